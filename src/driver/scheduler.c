#include "scheduler.h"

#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

/* The one piece of global state: a signal handler can only talk through a flag. */
static volatile sig_atomic_t stop_signal = 0;

static void request_stop(int signal_number)
{
  stop_signal = signal_number;
}

void cs_scheduler_catch_signals(void)
{
  struct sigaction action = {0};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGUSR1, &action, NULL);
}

/* Rank 0's window holds three counters: the next position in the todo list, the stop
 * flag, and the number of chunks finished (for progress). */
enum { SLOT_NEXT, SLOT_STOP, SLOT_DONE, SLOT_COUNT };

struct cs_scheduler {
  const size_t *todo;
  size_t n_todo;
  MPI_Win window;
  int64_t *slots; /* rank 0's window memory (unused elsewhere) */
  bool stopped;   /* this rank has seen the stop */
  bool announced; /* this rank's own signal has been published */
};

cs_status cs_scheduler_create(const size_t *todo, size_t n_todo, cs_scheduler **scheduler,
                              cs_error *err)
{
  *scheduler = NULL;
  cs_scheduler *s = calloc(1, sizeof *s);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int ok = s != NULL, all_ok;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all_ok) {
    free(s);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory creating the scheduler");
  }
  s->todo = todo;
  s->n_todo = n_todo;
  const MPI_Aint size = rank == 0 ? (MPI_Aint)(SLOT_COUNT * sizeof(int64_t)) : 0;
  if (MPI_Win_allocate(size, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &s->slots,
                       &s->window) != MPI_SUCCESS) {
    free(s);
    return cs_error_set(err, CS_ERR_MPI, "cannot create the chunk counter window");
  }
  if (rank == 0) {
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, s->window);
    s->slots[SLOT_NEXT] = s->slots[SLOT_STOP] = s->slots[SLOT_DONE] = 0;
    MPI_Win_unlock(0, s->window);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Win_lock_all(0, s->window);
  *scheduler = s;
  return CS_OK;
}

void cs_scheduler_destroy(cs_scheduler **scheduler)
{
  if (scheduler == NULL || *scheduler == NULL)
    return;
  cs_scheduler *s = *scheduler;
  MPI_Win_unlock_all(s->window);
  MPI_Win_free(&s->window);
  free(s);
  *scheduler = NULL;
}

static int64_t fetch_and_add(cs_scheduler *s, int slot, int64_t add)
{
  int64_t old;
  MPI_Fetch_and_op(&add, &old, MPI_INT64_T, 0, slot, MPI_SUM, s->window);
  MPI_Win_flush(0, s->window);
  return old;
}

bool cs_scheduler_stopping(cs_scheduler *s)
{
  if (s->stopped)
    return true;
  if (stop_signal != 0 && !s->announced) {
    fetch_and_add(s, SLOT_STOP, 1);
    s->announced = true;
  }
  s->stopped = fetch_and_add(s, SLOT_STOP, 0) > 0;
  return s->stopped;
}

bool cs_scheduler_next(cs_scheduler *s, size_t *chunk)
{
  if (cs_scheduler_stopping(s))
    return false;
  const int64_t position = fetch_and_add(s, SLOT_NEXT, 1);
  if (position < 0 || (size_t)position >= s->n_todo)
    return false;
  *chunk = s->todo[position];
  return true;
}

void cs_scheduler_finished(cs_scheduler *s)
{
  fetch_and_add(s, SLOT_DONE, 1);
}

size_t cs_scheduler_chunks_finished(cs_scheduler *s)
{
  return (size_t)fetch_and_add(s, SLOT_DONE, 0);
}

void cs_scheduler_request_stop(cs_scheduler *s)
{
  fetch_and_add(s, SLOT_STOP, 1);
  s->stopped = true;
}
