#include "output_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_path.h"

struct cs_output_lock {
  int fd;
  char path[PATH_MAX];
};

/* The refusal when another run holds the lock, naming it as its lock file says. */
static cs_status refuse_held(const char *output, int fd, cs_error *err)
{
  char holder[320];
  const ssize_t length = pread(fd, holder, sizeof holder - 1, 0);
  holder[length > 0 ? length : 0] = '\0';
  holder[strcspn(holder, "\n")] = '\0';
  return cs_error_set(err, CS_ERR_IO,
                      "'%s' is being written by another run (%s): wait for it to end or "
                      "choose another -o",
                      output, holder[0] != '\0' ? holder : "host and pid not known yet");
}

/* True if fd is still the file at path: a run that ended between our open and our lock
 * removed the file it had locked, and a lock on a file without a name protects nothing
 * (the next run would create and lock a new one). */
static bool still_named(int fd, const char *path)
{
  struct stat held, named;
  return fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
         held.st_ino == named.st_ino;
}

static cs_status write_holder(int fd, const char *path, cs_error *err)
{
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  char holder[320];
  const int length = snprintf(holder, sizeof holder, "host %s, pid %ld\n", host, (long)getpid());
  CS_CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, holder, (size_t)length, 0) == length, err, CS_ERR_IO,
           "cannot write the lock file '%s': %s", path, strerror(errno));
  return CS_OK;
}

/* One attempt: *fd is the locked file, or -1 if the file changed under us (try again). */
static cs_status try_lock(const char *output, const char *path, int *fd, cs_error *err)
{
  *fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  CS_CHECK(*fd >= 0, err, CS_ERR_IO, "cannot create the lock file '%s': %s", path, strerror(errno));
  struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  cs_status status = CS_OK;
  if (fcntl(*fd, F_SETLK, &whole) != 0)
    status = errno == EACCES || errno == EAGAIN
                 ? refuse_held(output, *fd, err)
                 : cs_error_set(
                       err, CS_ERR_IO,
                       "cannot lock '%s': %s (the file system must support fcntl "
                       "locks; see 'The output path and one run per output' in docs/user-guide.md)",
                       path, strerror(errno));
  else if (!still_named(*fd, path)) {
    close(*fd);
    *fd = -1;
    return CS_OK;
  } else if ((status = write_holder(*fd, path, err)) != CS_OK)
    unlink(path); /* ours: an empty lock file would name no one */
  if (status != CS_OK) {
    close(*fd);
    *fd = -1;
  }
  return status;
}

cs_status cs_output_lock_take(const char *output, cs_output_lock **lock, cs_error *err)
{
  *lock = calloc(1, sizeof **lock);
  CS_CHECK(*lock != NULL, err, CS_ERR_NOMEM, "out of memory");
  snprintf((*lock)->path, sizeof(*lock)->path, "%s%s", output, CS_LOCK_SUFFIX);
  int fd = -1;
  cs_status status = CS_OK;
  for (int attempt = 0; attempt < 5 && fd < 0 && status == CS_OK; attempt++)
    status = try_lock(output, (*lock)->path, &fd, err);
  if (status == CS_OK && fd < 0)
    status = cs_error_set(err, CS_ERR_IO, "cannot lock '%s': other runs keep replacing it",
                          (*lock)->path);
  if (status != CS_OK) {
    free(*lock);
    *lock = NULL;
    return status;
  }
  (*lock)->fd = fd;
  return CS_OK;
}

void cs_output_lock_release(cs_output_lock **lock)
{
  if (lock == NULL || *lock == NULL)
    return;
  /* Unlinked while still held, so no other run can lock this file and then find it
   * gone (still_named catches a run that opened it before). */
  unlink((*lock)->path);
  close((*lock)->fd);
  free(*lock);
  *lock = NULL;
}
