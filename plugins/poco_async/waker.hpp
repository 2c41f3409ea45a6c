// waker: lets any thread interrupt the reactor's PollSet::poll().
//
// Poco 1.11 offers no way to do this: SocketReactor::wakeUp() only ends the
// reactor's idle sleep, and PollSet::wakeUp() arrived in 1.12. PollSet only
// takes Poco sockets (no eventfd, and Socket::fromFileDescriptor() is also
// newer), so the waker is a non-blocking AF_UNIX socketpair whose read end
// is wrapped in a Poco StreamSocket and polled like any connection.
//
// Ownership: owns both ends of the pair. Threading: wake() may be called
// from any thread at any time; socket() and drain() belong to the reactor.
#pragma once

#include <Poco/Net/StreamSocket.h>

namespace fetchctl::poco_async {

class waker {
public:
    /// Creates the socketpair. Throws Poco::IOException when it cannot.
    waker();
    ~waker();

    waker(const waker &) = delete;
    waker &operator=(const waker &) = delete;

    /// The read end, to register for POLL_READ.
    const Poco::Net::StreamSocket &socket() const noexcept { return read_end_; }

    /// Makes the next (or current) poll return by writing one byte. Never
    /// blocks, never throws; when the pipe is full the write is skipped,
    /// since unread bytes already make the read end readable.
    void wake() noexcept;

    /// Empties the read end. Call it before looking at the work queues, so
    /// that work queued before any drained wake() is seen by that look.
    void drain() noexcept;

private:
    Poco::Net::StreamSocket read_end_;
    int write_fd_ = -1;
};

} // namespace fetchctl::poco_async
