/* One writer per output: the lock a run holds on its output for its whole life.
 *
 * The lock is a POSIX record lock (fcntl F_SETLK) on the file OUT.nc.lock beside the
 * output, which holds the host and pid of the run that has it. The kernel (or the file
 * server) releases the lock when its process ends in any way, even kill -9, so a lock
 * file left by a killed run does not block the next one: only a held lock does. fcntl
 * locks work across the nodes of a cluster on NFSv4 (and NFSv3 with lockd) and on Lustre
 * mounted with `flock`; on Lustre with `localflock`, or a file system without locks,
 * they protect only against runs on the same node. Rank 0 takes it; the other ranks
 * learn the outcome through cs_driver_agree. */
#ifndef COHORTSIM_OUTPUT_LOCK_H
#define COHORTSIM_OUTPUT_LOCK_H

#include "cohortsim/status.h"

typedef struct cs_output_lock cs_output_lock;

/* Takes the lock of `output` at once or fails: CS_ERR_IO naming the run that holds it
 * (host and pid, as its lock file says), or why the lock file cannot be made. */
cs_status cs_output_lock_take(const char *output, cs_output_lock **lock, cs_error *err);

/* Removes the lock file, then releases the lock. Accepts NULL; sets *lock to NULL. */
void cs_output_lock_release(cs_output_lock **lock);

#endif
