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
    if (pending_.exchange(true, std::memory_order_acq_rel)) {
        return;
    }
    const char byte = 1;
    // EAGAIN means the pipe already holds unread bytes, which is as good.
    (void)::send(write_fd_, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void waker::drain() noexcept {
    char buffer[64];
    const int fd = read_end_.impl()->sockfd();
    while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    }
    // Only now re-arm. Cleared before the read, a wake landing in between
    // would have its byte swallowed here while leaving the flag set, and
    // every later wake() would then skip its write: the reactor would sleep
    // through new work. Cleared after, a wake that found the flag still set
    // wrote nothing, but its work was queued before, so the caller's next
    // look at the queues sees it.
    pending_.store(false, std::memory_order_release);
}

} // namespace fetchctl::poco_async
