#include "mpi_session.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <mpi.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SESSION_PREFIX "cohortsim-mpi-"

/* The private session directory of a singleton, "" if none was made. */
static char session_base[4096] = "";

/* mpirun sets OMPI_COMM_WORLD_SIZE; srun sets PMIX_RANK (PMIx) or PMI_RANK (PMI-2). */
static bool under_launcher(void)
{
  return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL ||
         getenv("PMI_RANK") != NULL;
}

/* True if `name` is the session directory (SESSION_PREFIX "PID-HOST-XXXXXX") of a process
 * of this host that no longer runs: one killed before it could remove it. A pid in use
 * again, or by another user (EPERM), keeps its directory. */
static bool abandoned_session(const char *name, const char *host)
{
  long pid;
  int prefix = 0;
  if (sscanf(name, SESSION_PREFIX "%ld-%n", &pid, &prefix) != 1 || prefix == 0 || pid <= 0)
    return false;
  const char *rest = name + prefix;
  const size_t host_length = strlen(host);
  return strncmp(rest, host, host_length) == 0 && rest[host_length] == '-' &&
         strlen(rest + host_length + 1) == 6 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st, (void)type, (void)ftw;
  remove(path);
  return 0; /* go on: what cannot be removed stays, as before */
}

/* Removes the session directories that killed singletons of this host left in tmp. */
static void remove_abandoned_sessions(const char *tmp, const char *host)
{
  DIR *dir = opendir(tmp);
  if (dir == NULL)
    return;
  const struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    char path[4096];
    if (abandoned_session(entry->d_name, host) &&
        snprintf(path, sizeof path, "%s/%s", tmp, entry->d_name) < (int)sizeof path)
      nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  }
  closedir(dir);
}

/* Makes this singleton's session directory, named with its pid and host so that the
 * next run can remove it if this one is killed, and points Open MPI at it. */
static void make_session_directory(void)
{
  const char *tmp = getenv("TMPDIR");
  tmp = tmp != NULL && *tmp != '\0' ? tmp : "/tmp";
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  remove_abandoned_sessions(tmp, host);
  if (snprintf(session_base, sizeof session_base, "%s/" SESSION_PREFIX "%ld-%s-XXXXXX", tmp,
               (long)getpid(), host) < (int)sizeof session_base &&
      mkdtemp(session_base) != NULL)
    setenv("OMPI_MCA_orte_tmpdir_base", session_base, 1);
  else
    session_base[0] = '\0';
}

void cs_mpi_session_start(int *argc, char ***argv)
{
  /* Open MPI's shared file pointer components "sm" and "lockedfile" make a file named
   * after the output beside it or in the session directory at every MPI_File_open, and
   * "lockedfile" formats that name into a fixed buffer: an output path of 245 characters
   * or more aborted the run ("buffer overflow detected"). cohortsim never uses shared
   * file pointers; "individual" makes no file until they are used. */
  setenv("OMPI_MCA_sharedfp", "individual", 0);
  if (!under_launcher()) {
    setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
    if (getenv("OMPI_MCA_orte_tmpdir_base") == NULL)
      make_session_directory();
  }
  MPI_Init(argc, argv);
}

void cs_mpi_session_end(void)
{
  MPI_Finalize();
  /* Open MPI has removed its own tree inside; what remains is empty. */
  if (session_base[0] != '\0')
    rmdir(session_base);
}
