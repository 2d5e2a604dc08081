/*
 * The system calls of the epoll transport: one JNI function per native method of
 * io.edgeproxy.infrastructure.loop.internal.Native (read that class first: it is the contract).
 * Linux only. Nothing here keeps state beyond the cached exception classes.
 *
 * Errors become exceptions "<call>: <strerror(errno)>" of the JDK's types: java.net.SocketException
 * for socket calls, with ConnectException (refused, timed out), NoRouteToHostException (no route
 * to the host) and BindException (address in use or unavailable, permission) for bind and connect,
 * as OpenJDK's own mapping; IOException for epoll, eventfd and poll.
 */
#define _GNU_SOURCE /* accept4, pipe2, splice, F_SETPIPE_SZ, the GNU strerror_r */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jni.h>
#include "io_edgeproxy_infrastructure_loop_internal_Native.h"

#define NATIVE(name) Java_io_edgeproxy_infrastructure_loop_internal_Native_##name
#define K(name) io_edgeproxy_infrastructure_loop_internal_Native_##name
#define UNUSED __attribute__((unused))

/* The Java constants are handed straight to the kernel: they must be the kernel's. */
_Static_assert(K(EPOLLIN) == EPOLLIN && K(EPOLLOUT) == EPOLLOUT && K(EPOLLERR) == EPOLLERR
               && K(EPOLLHUP) == EPOLLHUP && K(EPOLLRDHUP) == EPOLLRDHUP, "epoll event bits");
_Static_assert(K(POLLIN) == POLLIN && K(POLLOUT) == POLLOUT, "poll event bits");
_Static_assert(K(EPOLL_CTL_ADD) == EPOLL_CTL_ADD && K(EPOLL_CTL_DEL) == EPOLL_CTL_DEL
               && K(EPOLL_CTL_MOD) == EPOLL_CTL_MOD, "epoll_ctl operations");

#define MAX_EVENTS 1024      /* per epollWait call */
#define BOUNCE_SIZE 16384    /* stack buffer of the byte[] read/write variants */
#define ADDRESS_OUT_LEN 19   /* length byte + port (2) + up to 16 address bytes */

static jclass ioException;
static jclass socketException;
static jclass connectException;
static jclass bindException;
static jclass noRouteException;

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved UNUSED) {
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
        return JNI_ERR;
    }
    const char *names[] = { "java/io/IOException", "java/net/SocketException", "java/net/ConnectException",
                            "java/net/BindException", "java/net/NoRouteToHostException" };
    jclass *refs[] = { &ioException, &socketException, &connectException, &bindException, &noRouteException };
    for (int i = 0; i < 5; i++) {
        jclass local = (*env)->FindClass(env, names[i]);
        if (local == NULL) {
            return JNI_ERR;
        }
        *refs[i] = (jclass) (*env)->NewGlobalRef(env, local);
        (*env)->DeleteLocalRef(env, local);
        if (*refs[i] == NULL) {
            return JNI_ERR;
        }
    }
    return JNI_VERSION_1_8;
}

/* ------------------------------------------------------------------ errors */

static void throw_error(JNIEnv *env, jclass type, const char *call, int err) {
    char text[128];
    char message[256];
    /* the GNU strerror_r: thread-safe, returns the text (maybe not in our buffer) */
    snprintf(message, sizeof message, "%s: %s", call, strerror_r(err, text, sizeof text));
    (*env)->ThrowNew(env, type, message);
}

static void throw_io(JNIEnv *env, const char *call, int err) {
    throw_error(env, ioException, call, err);
}

/* A socket call failed: java.net.SocketException, as from the JDK's channels. */
static void throw_socket(JNIEnv *env, const char *call, int err) {
    throw_error(env, socketException, call, err);
}

/* bind, listen and connect: the subclasses the JDK throws, which callers catch to tell "no server"
   from "no route" from "port taken", with the JDK's message (the system's text alone: "Connection
   refused"), so that logs and health-check reasons read the same on either transport. */
static void throw_net(JNIEnv *env, const char *call UNUSED, int err) {
    jclass type = socketException;
    switch (err) { /* as OpenJDK's Net.c (handleSocketError) */
    case ECONNREFUSED: case ETIMEDOUT: case ENOTCONN:
        type = connectException;
        break;
    case EHOSTUNREACH:
        type = noRouteException;
        break;
    case EADDRINUSE: case EADDRNOTAVAIL: case EACCES:
        type = bindException;
        break;
    }
    char text[128];
    (*env)->ThrowNew(env, type, strerror_r(err, text, sizeof text));
}

/* A caller's mistake (bad address, range outside the array): still an IOException, no errno. */
static void throw_invalid(JNIEnv *env, const char *call, const char *what) {
    char message[256];
    snprintf(message, sizeof message, "%s: %s", call, what);
    (*env)->ThrowNew(env, ioException, message);
}

/* ------------------------------------------------------------------ time */

static int64_t now_millis(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What is left of a timeout started at start (negative: infinite), for a retry after EINTR. */
static int remaining_millis(int timeout, int64_t start) {
    if (timeout < 0) {
        return -1;
    }
    int64_t left = timeout - (now_millis() - start);
    return left > 0 ? (int) left : 0;
}

/* ------------------------------------------------------------------ addresses */

typedef union {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    struct sockaddr_storage storage;
} sockaddr_any;

/* Builds the sockaddr of the socket's family; an IPv4 address on an IPv6 socket is ::ffff:a.b.c.d
   (but for the wildcard, below). */
static int to_sockaddr(JNIEnv *env, const char *call, jboolean ipv6, jbyteArray address, jint port,
                       sockaddr_any *out, socklen_t *len) {
    if (address == NULL) {
        throw_invalid(env, call, "no address");
        return -1;
    }
    jsize n = (*env)->GetArrayLength(env, address);
    if ((n != 4 && n != 16) || (n == 16 && !ipv6) || port < 0 || port > 65535) {
        throw_invalid(env, call, "invalid address or port for the socket's family");
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (!ipv6) {
        out->in4.sin_family = AF_INET;
        out->in4.sin_port = htons((uint16_t) port);
        (*env)->GetByteArrayRegion(env, address, 0, 4, (jbyte *) &out->in4.sin_addr.s_addr);
        *len = sizeof out->in4;
    } else {
        out->in6.sin6_family = AF_INET6;
        out->in6.sin6_port = htons((uint16_t) port);
        if (n == 4) {
            uint32_t v4;
            (*env)->GetByteArrayRegion(env, address, 0, 4, (jbyte *) &v4);
            /* 0.0.0.0 stays the wildcard (::, both families), as in the JDK: ::ffff:0.0.0.0 would
               make a dual-stack listener on "0.0.0.0:8080" refuse IPv6 clients */
            if (v4 != 0) {
                out->in6.sin6_addr.s6_addr[10] = 0xff;
                out->in6.sin6_addr.s6_addr[11] = 0xff;
                memcpy(&out->in6.sin6_addr.s6_addr[12], &v4, 4);
            }
        } else {
            (*env)->GetByteArrayRegion(env, address, 0, 16, (jbyte *) out->in6.sin6_addr.s6_addr);
        }
        *len = sizeof out->in6;
    }
    return 0;
}

/* Writes the layout of Native.accept: out[0] = 4 or 16, out[1..2] = port (big-endian), out[3..] = address. */
static int from_sockaddr(JNIEnv *env, const char *call, const sockaddr_any *sa, jbyteArray out) {
    jbyte buf[ADDRESS_OUT_LEN];
    const unsigned char *addr;
    uint16_t port; /* network order, as the bytes should land */
    if (sa->sa.sa_family == AF_INET) {
        buf[0] = 4;
        addr = (const unsigned char *) &sa->in4.sin_addr.s_addr;
        port = sa->in4.sin_port;
    } else if (sa->sa.sa_family == AF_INET6) {
        const struct in6_addr *a6 = &sa->in6.sin6_addr;
        int mapped = IN6_IS_ADDR_V4MAPPED(a6);
        buf[0] = mapped ? 4 : 16;
        addr = mapped ? &a6->s6_addr[12] : a6->s6_addr;
        port = sa->in6.sin6_port;
    } else {
        throw_invalid(env, call, "not an IP socket");
        return -1;
    }
    memcpy(&buf[1], &port, 2);
    memcpy(&buf[3], addr, (size_t) buf[0]);
    (*env)->SetByteArrayRegion(env, out, 0, 3 + buf[0], buf);
    return 0;
}

static int check_address_out(JNIEnv *env, const char *call, jbyteArray out) {
    if (out == NULL || (*env)->GetArrayLength(env, out) < ADDRESS_OUT_LEN) {
        throw_invalid(env, call, "the address array needs 19 bytes");
        return -1;
    }
    return 0;
}

/* Checked before the syscall, so that no byte read is lost to a bad range, and a null from Java is
   an exception rather than a crash of the JVM. */
static int check_range(JNIEnv *env, const char *call, jlong capacity, jint off, jint len) {
    if (off < 0 || len < 0 || (jlong) off + len > capacity) {
        throw_invalid(env, call, "range outside the buffer");
        return -1;
    }
    return 0;
}

static int check_array(JNIEnv *env, const char *call, jbyteArray array, jint off, jint len) {
    if (array == NULL) {
        throw_invalid(env, call, "no array");
        return -1;
    }
    return check_range(env, call, (*env)->GetArrayLength(env, array), off, len);
}

/* ------------------------------------------------------------------ epoll */

JNIEXPORT jint JNICALL NATIVE(epollCreate)(JNIEnv *env, jclass clazz UNUSED) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) {
        throw_io(env, "epoll_create1", errno);
    }
    return fd;
}

JNIEXPORT void JNICALL NATIVE(epollCtl)(JNIEnv *env, jclass clazz UNUSED, jint epfd, jint op, jint fd,
                                        jint events, jlong data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = (uint32_t) events;
    ev.data.u64 = (uint64_t) data;
    if (epoll_ctl(epfd, op, fd, &ev) < 0) {
        throw_io(env, "epoll_ctl", errno);
    }
}

JNIEXPORT jint JNICALL NATIVE(epollWait)(JNIEnv *env, jclass clazz UNUSED, jint epfd, jlongArray out,
                                         jint timeoutMillis) {
    struct epoll_event events[MAX_EVENTS];
    jlong results[2 * MAX_EVENTS];
    jsize max = out == NULL ? 0 : (*env)->GetArrayLength(env, out) / 2;
    if (max > MAX_EVENTS) {
        max = MAX_EVENTS;
    }
    if (max <= 0) {
        throw_invalid(env, "epoll_wait", "the event array needs at least 2 slots");
        return -1;
    }
    int64_t start = now_millis();
    int timeout = timeoutMillis < 0 ? -1 : timeoutMillis;
    int n;
    while ((n = epoll_wait(epfd, events, max, timeout)) < 0 && errno == EINTR) {
        timeout = remaining_millis(timeoutMillis, start);
    }
    if (n < 0) {
        throw_io(env, "epoll_wait", errno);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        results[2 * i] = (jlong) events[i].events;
        results[2 * i + 1] = (jlong) events[i].data.u64;
    }
    (*env)->SetLongArrayRegion(env, out, 0, 2 * n, results);
    return n;
}

JNIEXPORT jint JNICALL NATIVE(eventFd)(JNIEnv *env, jclass clazz UNUSED) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        throw_io(env, "eventfd", errno);
    }
    return fd;
}

JNIEXPORT void JNICALL NATIVE(eventFdWrite)(JNIEnv *env, jclass clazz UNUSED, jint fd) {
    uint64_t one = 1;
    ssize_t n;
    while ((n = write(fd, &one, sizeof one)) < 0 && errno == EINTR) {
    }
    /* EAGAIN: the counter is full, so a wakeup is pending anyway */
    if (n < 0 && errno != EAGAIN) {
        throw_io(env, "write", errno);
    }
}

JNIEXPORT void JNICALL NATIVE(eventFdDrain)(JNIEnv *env, jclass clazz UNUSED, jint fd) {
    uint64_t value;
    ssize_t n;
    /* one read returns the whole counter and resets it to 0 */
    while ((n = read(fd, &value, sizeof value)) < 0 && errno == EINTR) {
    }
    if (n < 0 && errno != EAGAIN) {
        throw_io(env, "read", errno);
    }
}

/* ------------------------------------------------------------------ sockets */

JNIEXPORT jint JNICALL NATIVE(socket)(JNIEnv *env, jclass clazz UNUSED, jboolean ipv6) {
    int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw_socket(env, "socket", errno);
        return -1;
    }
    if (ipv6) {
        /* dual stack whatever net.ipv6.bindv6only says, as the JDK does: the ::ffff: mapping of
           IPv4 addresses (to_sockaddr) only works with IPV6_V6ONLY off */
        int off = 0;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) {
            int err = errno;
            close(fd);
            throw_socket(env, "setsockopt", err);
            return -1;
        }
    }
    return fd;
}

JNIEXPORT jint JNICALL NATIVE(connect)(JNIEnv *env, jclass clazz UNUSED, jint fd, jboolean ipv6,
                                       jbyteArray address, jint port) {
    sockaddr_any sa;
    socklen_t len;
    if (to_sockaddr(env, "connect", ipv6, address, port, &sa, &len) < 0) {
        return -1;
    }
    if (connect(fd, &sa.sa, len) == 0) {
        return K(CONNECTED);
    }
    /* an interrupted connect goes on in the background, like a non-blocking one */
    if (errno == EINPROGRESS || errno == EINTR) {
        return K(IN_PROGRESS);
    }
    throw_net(env, "connect", errno);
    return -1;
}

/* The outcome of a connect whose socket polled writable: SO_ERROR holds its error (and clears it). */
static jint connect_result(JNIEnv *env, int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
        throw_socket(env, "getsockopt", errno);
        return -1;
    }
    if (err != 0) {
        throw_net(env, "connect", err);
        return -1;
    }
    return K(CONNECTED);
}

/* poll(fd, events, timeout) retried on EINTR with what is left: the returned events, 0 when the
   time ran out, -1 with an exception thrown. */
static int poll_one(JNIEnv *env, int fd, short events, int timeoutMillis) {
    struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
    int64_t start = now_millis();
    int timeout = timeoutMillis < 0 ? -1 : timeoutMillis;
    int n;
    while ((n = poll(&p, 1, timeout)) < 0 && errno == EINTR) {
        timeout = remaining_millis(timeoutMillis, start);
    }
    if (n < 0) {
        throw_io(env, "poll", errno);
        return -1;
    }
    return n > 0 ? p.revents : 0;
}

/* 1 writable (or failed: SO_ERROR tells), 0 timed out, -1 thrown. */
static int poll_writable(JNIEnv *env, int fd, int timeoutMillis) {
    int revents = poll_one(env, fd, POLLOUT, timeoutMillis);
    return revents < 0 ? -1 : revents > 0 ? 1 : 0;
}

JNIEXPORT jint JNICALL NATIVE(poll)(JNIEnv *env, jclass clazz UNUSED, jint fd, jint events, jint timeoutMillis) {
    return poll_one(env, fd, (short) events, timeoutMillis);
}

JNIEXPORT jint JNICALL NATIVE(finishConnect)(JNIEnv *env, jclass clazz UNUSED, jint fd, jboolean knownReady) {
    if (!knownReady) {
        /* A loopback handshake completes inside connect(), though Linux reports it in progress: a
           peer address means connected, in one call. ENOTCONN: in progress or failed, so ask poll. */
        sockaddr_any peer;
        socklen_t len = sizeof peer;
        if (getpeername(fd, &peer.sa, &len) == 0) {
            return K(CONNECTED);
        }
        if (errno != ENOTCONN) {
            throw_io(env, "getpeername", errno);
            return -1;
        }
        int ready = poll_writable(env, fd, 0);
        if (ready <= 0) {
            return ready < 0 ? -1 : K(IN_PROGRESS);
        }
    }
    return connect_result(env, fd);
}

JNIEXPORT jint JNICALL NATIVE(awaitConnect)(JNIEnv *env, jclass clazz UNUSED, jint fd, jint timeoutMillis) {
    int ready = poll_writable(env, fd, timeoutMillis);
    if (ready <= 0) {
        return ready < 0 ? -1 : K(IN_PROGRESS);
    }
    return connect_result(env, fd);
}

static int do_bind(JNIEnv *env, jint fd, jboolean ipv6, jbyteArray address, jint port) {
    sockaddr_any sa;
    socklen_t len;
    if (to_sockaddr(env, "bind", ipv6, address, port, &sa, &len) < 0) {
        return -1;
    }
    if (bind(fd, &sa.sa, len) < 0) {
        throw_net(env, "bind", errno);
        return -1;
    }
    return 0;
}

JNIEXPORT void JNICALL NATIVE(bindListen)(JNIEnv *env, jclass clazz UNUSED, jint fd, jboolean ipv6,
                                          jbyteArray address, jint port, jint backlog) {
    /* the options (SO_REUSEADDR, SO_REUSEPORT...) were set by the caller before */
    if (do_bind(env, fd, ipv6, address, port) == 0 && listen(fd, backlog) < 0) {
        /* EADDRINUSE here: another socket listens on the port (SO_REUSEPORT cases) */
        throw_net(env, "listen", errno);
    }
}

JNIEXPORT void JNICALL NATIVE(bind)(JNIEnv *env, jclass clazz UNUSED, jint fd, jboolean ipv6,
                                    jbyteArray address, jint port) {
    do_bind(env, fd, ipv6, address, port);
}

JNIEXPORT jint JNICALL NATIVE(accept)(JNIEnv *env, jclass clazz UNUSED, jint fd, jbyteArray peer) {
    sockaddr_any sa;
    socklen_t len;
    int child;
    if (check_address_out(env, "accept", peer) < 0) {
        return -1;
    }
    for (;;) {
        len = sizeof sa;
        child = accept4(fd, &sa.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        /* ECONNABORTED: that client gave up while queued; the next one may be waiting */
        if (child >= 0 || (errno != EINTR && errno != ECONNABORTED)) {
            break;
        }
    }
    if (child < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return -1;
        }
        throw_socket(env, "accept4", errno);
        return -1;
    }
    if (from_sockaddr(env, "accept4", &sa, peer) < 0) {
        close(child);
        return -1;
    }
    return child;
}

JNIEXPORT void JNICALL NATIVE(localAddress)(JNIEnv *env, jclass clazz UNUSED, jint fd, jbyteArray out) {
    sockaddr_any sa;
    socklen_t len = sizeof sa;
    if (check_address_out(env, "getsockname", out) < 0) {
        return;
    }
    if (getsockname(fd, &sa.sa, &len) < 0) {
        throw_socket(env, "getsockname", errno);
        return;
    }
    from_sockaddr(env, "getsockname", &sa, out);
}

/* ------------------------------------------------------------------ read and write */

/* recv() retried on EINTR, mapped to the contract: count, AGAIN, EOF, or -1 with an exception.
   recv() rather than read(): the same socket call without the file layer's part (vfs_read and its
   checks took about 2% of the proxy's CPU under keep-alive load; HAProxy uses recv too). */
static jint do_read(JNIEnv *env, int fd, void *dst, size_t len) {
    ssize_t n;
    while ((n = recv(fd, dst, len, 0)) < 0 && errno == EINTR) {
    }
    if (n > 0) {
        return (jint) n;
    }
    if (n == 0) {
        return K(EOF);
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return K(AGAIN);
    }
    throw_socket(env, "read", errno);
    return -1;
}

/* send() rather than write() for MSG_NOSIGNAL: a closed peer gives EPIPE without raising SIGPIPE.
   (HotSpot installs a SIGPIPE handler that ignores it, so a raised one would not kill the process
   either; see splice below, which has no such flag.) */
static jint do_write(JNIEnv *env, int fd, const void *src, size_t len) {
    ssize_t n;
    while ((n = send(fd, src, len, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    if (n >= 0) {
        return (jint) n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return K(AGAIN);
    }
    throw_socket(env, "write", errno);
    return -1;
}

static char *direct_address(JNIEnv *env, const char *call, jobject buf, jint pos, jint len) {
    char *base = buf == NULL ? NULL : (char *) (*env)->GetDirectBufferAddress(env, buf);
    if (base == NULL) {
        throw_invalid(env, call, "not a direct buffer");
        return NULL;
    }
    if (check_range(env, call, (*env)->GetDirectBufferCapacity(env, buf), pos, len) < 0) {
        return NULL;
    }
    return base + pos;
}

JNIEXPORT jint JNICALL NATIVE(read)(JNIEnv *env, jclass clazz UNUSED, jint fd, jobject buf, jint pos, jint len) {
    if (len == 0) {
        return 0;
    }
    char *dst = direct_address(env, "read", buf, pos, len);
    return dst == NULL ? -1 : do_read(env, fd, dst, (size_t) len);
}

JNIEXPORT jint JNICALL NATIVE(write)(JNIEnv *env, jclass clazz UNUSED, jint fd, jobject buf, jint pos, jint len) {
    if (len == 0) {
        return 0;
    }
    char *src = direct_address(env, "write", buf, pos, len);
    return src == NULL ? -1 : do_write(env, fd, src, (size_t) len);
}

/* ------------------------------------------------------------------ splice through a pipe */

/* A non-blocking pipe of `size` bytes, or of the largest half of it down to `minimum` the kernel
   allows (F_SETPIPE_SZ refuses sizes above fs.pipe-max-size, and a user past
   fs.pipe-user-pages-soft cannot grow a pipe at all): the read end in the high 32 bits, the write
   end in the low. What it was granted is for the caller to read (pipeCapacity). */
JNIEXPORT jlong JNICALL NATIVE(pipe)(JNIEnv *env, jclass clazz UNUSED, jint size, jint minimum) {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        throw_io(env, "pipe2", errno);
        return -1;
    }
    for (jint asked = size; asked >= minimum && asked > 0 && fcntl(fds[1], F_SETPIPE_SZ, asked) < 0; asked /= 2) {
    }
    return ((jlong) fds[0] << 32) | (jlong) (uint32_t) fds[1];
}

/* The bytes a pipe holds at most (F_GETPIPE_SZ). */
JNIEXPORT jint JNICALL NATIVE(pipeCapacity)(JNIEnv *env, jclass clazz UNUSED, jint fd) {
    int n = fcntl(fd, F_GETPIPE_SZ);
    if (n < 0) {
        throw_io(env, "fcntl(F_GETPIPE_SZ)", errno);
        return -1;
    }
    return n;
}

/* splice(in -> out) of up to len bytes without copying them through user space: a socket into a
   pipe, or a pipe into a socket. Count, AGAIN (the source has nothing or the destination no room),
   EOF (a socket source that splice sees at its end; it also stops in front of urgent data, which
   the caller tells apart with a read), or -1 with an exception mapped as read and write. Unlike
   send(), splice has no MSG_NOSIGNAL: splicing into a reset peer raises SIGPIPE on the loop's
   thread, which HotSpot's own handler ignores, and the call fails with EPIPE as send() would. */
JNIEXPORT jint JNICALL NATIVE(splice)(JNIEnv *env, jclass clazz UNUSED, jint in, jint out, jint len,
                                      jboolean fromSocket) {
    ssize_t n;
    if (len <= 0) {
        return 0;
    }
    while ((n = splice(in, NULL, out, NULL, (size_t) len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)) < 0
           && errno == EINTR) {
    }
    if (n > 0) {
        return (jint) n;
    }
    if (n == 0) {
        return fromSocket ? K(EOF) : K(AGAIN);
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return K(AGAIN);
    }
    throw_socket(env, fromSocket ? "read" : "write", errno);
    return -1;
}

/* The byte[] variants copy through the stack (no pinned array across a syscall that may block the
   GC); at most BOUNCE_SIZE bytes a call, the callers loop on partial counts. */
JNIEXPORT jint JNICALL NATIVE(readArray)(JNIEnv *env, jclass clazz UNUSED, jint fd, jbyteArray array,
                                         jint off, jint len) {
    jbyte bounce[BOUNCE_SIZE];
    if (len == 0) {
        return 0;
    }
    if (check_array(env, "read", array, off, len) < 0) {
        return -1;
    }
    jint n = do_read(env, fd, bounce, len < BOUNCE_SIZE ? (size_t) len : BOUNCE_SIZE);
    if (n > 0) {
        (*env)->SetByteArrayRegion(env, array, off, n, bounce);
    }
    return n;
}

JNIEXPORT jint JNICALL NATIVE(writeArray)(JNIEnv *env, jclass clazz UNUSED, jint fd, jbyteArray array,
                                          jint off, jint len) {
    jbyte bounce[BOUNCE_SIZE];
    if (len == 0) {
        return 0;
    }
    if (check_array(env, "write", array, off, len) < 0) {
        return -1;
    }
    jint chunk = len < BOUNCE_SIZE ? len : BOUNCE_SIZE;
    (*env)->GetByteArrayRegion(env, array, off, chunk, bounce);
    return do_write(env, fd, bounce, (size_t) chunk);
}

/* ------------------------------------------------------------------ descriptor control */

JNIEXPORT void JNICALL NATIVE(shutdown)(JNIEnv *env, jclass clazz UNUSED, jint fd, jboolean rd, jboolean wr) {
    if (!rd && !wr) {
        return;
    }
    int how = rd && wr ? SHUT_RDWR : rd ? SHUT_RD : SHUT_WR;
    /* ENOTCONN: the peer is already gone (or the connect never happened): nothing to shut */
    if (shutdown(fd, how) < 0 && errno != ENOTCONN) {
        throw_socket(env, "shutdown", errno);
    }
}

JNIEXPORT void JNICALL NATIVE(close)(JNIEnv *env, jclass clazz UNUSED, jint fd) {
    /* not retried on EINTR: Linux has released the descriptor, which another thread may already
       have been given again */
    if (close(fd) < 0 && errno != EINTR) {
        throw_io(env, "close", errno);
    }
}

/* OPT_ constant -> level and name; -1 (with an exception) when unknown. */
static int option(JNIEnv *env, const char *call, jint opt, int *level, int *name) {
    *level = SOL_SOCKET;
    switch (opt) {
    case K(OPT_TCP_NODELAY): *level = IPPROTO_TCP; *name = TCP_NODELAY; return 0;
    case K(OPT_SO_REUSEADDR): *name = SO_REUSEADDR; return 0;
    case K(OPT_SO_REUSEPORT): *name = SO_REUSEPORT; return 0;
    case K(OPT_SO_KEEPALIVE): *name = SO_KEEPALIVE; return 0;
    case K(OPT_SO_RCVBUF): *name = SO_RCVBUF; return 0;
    case K(OPT_SO_SNDBUF): *name = SO_SNDBUF; return 0;
    case K(OPT_SO_LINGER): *name = SO_LINGER; return 0;
    default:
        throw_invalid(env, call, "unknown socket option");
        return -1;
    }
}

JNIEXPORT void JNICALL NATIVE(setIntOption)(JNIEnv *env, jclass clazz UNUSED, jint fd, jint opt, jint value) {
    int level, name, rc;
    if (option(env, "setsockopt", opt, &level, &name) < 0) {
        return;
    }
    if (opt == K(OPT_SO_LINGER)) {
        /* value < 0: off; otherwise on, with that many seconds */
        struct linger l = { .l_onoff = value < 0 ? 0 : 1, .l_linger = value < 0 ? 0 : value };
        rc = setsockopt(fd, level, name, &l, sizeof l);
    } else {
        int v = value;
        rc = setsockopt(fd, level, name, &v, sizeof v);
    }
    if (rc < 0) {
        throw_socket(env, "setsockopt", errno);
    }
}

JNIEXPORT jint JNICALL NATIVE(getIntOption)(JNIEnv *env, jclass clazz UNUSED, jint fd, jint opt) {
    int level, name;
    if (option(env, "getsockopt", opt, &level, &name) < 0) {
        return -1;
    }
    if (opt == K(OPT_SO_LINGER)) {
        struct linger l;
        socklen_t len = sizeof l;
        if (getsockopt(fd, level, name, &l, &len) < 0) {
            throw_socket(env, "getsockopt", errno);
            return -1;
        }
        return l.l_onoff ? l.l_linger : -1;
    }
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0) {
        throw_socket(env, "getsockopt", errno);
        return -1;
    }
    return v;
}
