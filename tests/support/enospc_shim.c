/* A full disk on demand, for the end-to-end tests (LD_PRELOAD): writes to files whose
 * path ends in $ENOSPC_SHIM_SUFFIX fail with ENOSPC once $ENOSPC_SHIM_BYTES bytes have
 * been written to them, as on a file system that fills at that moment. Other files are
 * untouched. Built by the test script that uses it, never linked into cohortsim. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { MAX_FD = 65536 };
static unsigned char watched[MAX_FD];
static long long written;

static void watch(int fd, const char *path)
{
  const char *suffix = getenv("ENOSPC_SHIM_SUFFIX");
  if (fd < 0 || fd >= MAX_FD)
    return;
  const size_t n = path != NULL ? strlen(path) : 0, m = suffix != NULL ? strlen(suffix) : 0;
  watched[fd] = suffix != NULL && n >= m && strcmp(path + n - m, suffix) == 0;
}

/* True (errno ENOSPC) if writing `count` more bytes to fd would exceed the budget. */
static int full(int fd, size_t count)
{
  if (fd < 0 || fd >= MAX_FD || !watched[fd])
    return 0;
  const char *budget = getenv("ENOSPC_SHIM_BYTES");
  if (written + (long long)count > (budget != NULL ? atoll(budget) : 0)) {
    errno = ENOSPC;
    return 1;
  }
  written += (long long)count;
  return 0;
}

static size_t iov_bytes(const struct iovec *iov, int n)
{
  size_t total = 0;
  for (int i = 0; i < n; i++)
    total += iov[i].iov_len;
  return total;
}

/* The libc function this one stands in for. */
#define REAL(name)                                                                                 \
  static __typeof__(&name) real;                                                                   \
  if (real == NULL)                                                                                \
    real = (__typeof__(&name))dlsym(RTLD_NEXT, #name);

#define OPEN_LIKE(name)                                                                            \
  int name(const char *path, int flags, ...)                                                       \
  {                                                                                                \
    REAL(name)                                                                                     \
    mode_t mode = 0;                                                                               \
    if (flags & (O_CREAT | O_TMPFILE)) {                                                           \
      va_list ap;                                                                                  \
      va_start(ap, flags);                                                                         \
      mode = va_arg(ap, mode_t);                                                                   \
      va_end(ap);                                                                                  \
    }                                                                                              \
    const int fd = real(path, flags, mode);                                                        \
    watch(fd, path);                                                                               \
    return fd;                                                                                     \
  }
OPEN_LIKE(open)
OPEN_LIKE(open64)

int openat(int dirfd, const char *path, int flags, ...)
{
  REAL(openat)
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  const int fd = real(dirfd, path, flags, mode);
  watch(fd, path);
  return fd;
}

ssize_t write(int fd, const void *buffer, size_t count)
{
  REAL(write)
  return full(fd, count) ? -1 : real(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset)
{
  REAL(pwrite)
  return full(fd, count) ? -1 : real(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset)
{
  REAL(pwrite64)
  return full(fd, count) ? -1 : real(fd, buffer, count, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
  REAL(writev)
  return full(fd, iov_bytes(iov, n)) ? -1 : real(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t offset)
{
  REAL(pwritev)
  return full(fd, iov_bytes(iov, n)) ? -1 : real(fd, iov, n, offset);
}
