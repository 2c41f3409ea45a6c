// waker: see waker.hpp for the contract.
#include "waker.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace fetchctl::poco_async {

waker::waker() {
    int fds[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        throw Poco::IOException("cannot create the reactor's wake-up socketpair",
                                std::strerror(errno));
    }

    // The Poco socket takes ownership of fds[0] and closes it. Its idea of
    // "blocking" must match the fd's real mode, or a read of an empty pipe
    // would throw a timeout instead of returning -1.
    read_end_ = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fds[0]));
    read_end_.setBlocking(false);
    write_fd_ = fds[1];
}

waker::~waker() {
    if (write_fd_ >= 0) {
        ::close(write_fd_);
    }
}

void waker::wake() noexcept {
    // acq_rel pairs with rearm(): whoever sees the flag set by another
    // wake() also sees the work queued before it. The flag is cleared only
    // by rearm(), never by drain(): a drain may swallow a byte whose work
    // the reactor is about to take anyway, and clearing there could leave
    // the flag set with no byte left to end a later poll.
    if (pending_.exchange(true, std::memory_order_acq_rel)) {
        return;
    }
    // EAGAIN means the pipe is full of unread bytes: the reactor wakes anyway.
    const char byte = 1;
    (void)::send(write_fd_, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void waker::rearm() noexcept {
    // An exchange rather than a store: it synchronises with the wake() that
    // set the flag, so the queue look that follows sees that wake's work.
    pending_.exchange(false, std::memory_order_acq_rel);
}

void waker::drain() noexcept {
    char buffer[256];
    const int fd = read_end_.impl()->sockfd();
    while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    }
}

} // namespace fetchctl::poco_async
