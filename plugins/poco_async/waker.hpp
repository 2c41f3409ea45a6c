// waker: lets any thread interrupt the reactor's PollSet::poll().
//
// Poco 1.11 offers no way to do this: SocketReactor::wakeUp() only ends the
// reactor's idle sleep, and PollSet::wakeUp() arrived in 1.12. PollSet only
// takes Poco sockets (no eventfd, and Socket::fromFileDescriptor() is also
// newer), so the waker is a non-blocking AF_UNIX socketpair whose read end
// is wrapped in a Poco StreamSocket and polled like any connection.
//
// Wakes are coalesced: a flag records that a byte is already on its way, so
// a burst of submissions costs one write and one wake-up, not one each.
// The reactor clears the flag (rearm) and then looks at its queues before
// it polls; any wake() after the rearm writes a new byte, so work queued
// after the look always ends the poll. At worst a byte outlives its work
// and the reactor wakes once for nothing.
//
// Ownership: owns both ends of the pair. Threading: wake() may be called
// from any thread at any time; socket(), rearm() and drain() belong to the
// reactor.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <atomic>

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

    /// Makes the next (or current) poll return: writes one byte unless one
    /// was written since the last rearm(). Never blocks, never throws; when
    /// the pipe is full the write is skipped, since unread bytes already
    /// make the read end readable.
    void wake() noexcept;

    /// Lets the next wake() write again. Call it before the last look at
    /// the work queues ahead of a poll: work queued before it is seen by
    /// that look, work queued after it comes with a new byte.
    void rearm() noexcept;

    /// Empties the read end (when the poll said it is readable).
    void drain() noexcept;

private:
    Poco::Net::StreamSocket read_end_;
    int write_fd_ = -1;
    std::atomic<bool> pending_{false};
};

} // namespace fetchctl::poco_async
