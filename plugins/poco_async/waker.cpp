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
    // One byte per wake, uncoalesced: a flag to skip redundant writes saves
    // a cheap syscall but opens a window in which a drain swallows a wake's
    // byte while the flag still says "pending", and the reactor then sleeps
    // through new work. EAGAIN means the pipe is full of unread bytes, so
    // the reactor will wake anyway.
    const char byte = 1;
    (void)::send(write_fd_, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void waker::drain() noexcept {
    char buffer[256];
    const int fd = read_end_.impl()->sockfd();
    while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    }
}

} // namespace fetchctl::poco_async
