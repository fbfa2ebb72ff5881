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
  sigaction(SIGINT, &action, NULL);
}

const volatile sig_atomic_t *cs_scheduler_stop_flag(void)
{
  return &stop_signal;
}

/* Rank 0's window holds three counters: the next block, the stop flag, and the number
 * of chunks finished (for progress). */
enum { SLOT_NEXT, SLOT_STOP, SLOT_DONE, SLOT_COUNT };

struct cs_scheduler {
  const size_t *todo;
  size_t *block_start; /* [n_blocks + 1]: positions in todo */
  size_t n_blocks;
  MPI_Win window;
  int64_t *slots; /* rank 0's window memory (unused elsewhere) */
  bool stopped;   /* this rank has seen the stop */
  bool announced; /* this rank's own signal has been published */
};

/* Cuts the todo list into blocks: guided sizes, at most max_block, and never across a
 * gap in the chunk indices (a resume's todo list skips the chunks already done). */
static void partition(cs_scheduler *s, const size_t *todo, size_t n_todo, size_t max_block,
                      int ranks)
{
  size_t position = 0;
  s->n_blocks = 0;
  while (position < n_todo) {
    size_t size = (n_todo - position) / (4 * (size_t)ranks);
    size = size < 1 ? 1 : size > max_block ? max_block : size;
    size_t length = 1;
    while (length < size && position + length < n_todo &&
           todo[position + length] == todo[position] + length)
      length++;
    s->block_start[s->n_blocks++] = position;
    position += length;
  }
  s->block_start[s->n_blocks] = n_todo;
}

cs_status cs_scheduler_create(const size_t *todo, size_t n_todo, size_t max_block,
                              cs_scheduler **scheduler, cs_error *err)
{
  *scheduler = NULL;
  cs_scheduler *s = calloc(1, sizeof *s);
  int rank, ranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  if (s != NULL && (s->block_start = malloc((n_todo + 1) * sizeof *s->block_start)) == NULL) {
    free(s);
    s = NULL;
  }
  int ok = s != NULL, all_ok;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all_ok) {
    if (s != NULL)
      free(s->block_start);
    free(s);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory creating the scheduler");
  }
  s->todo = todo;
  partition(s, todo, n_todo, max_block < 1 ? 1 : max_block, ranks);
  const MPI_Aint size = rank == 0 ? (MPI_Aint)(SLOT_COUNT * sizeof(int64_t)) : 0;
  if (MPI_Win_allocate(size, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &s->slots,
                       &s->window) != MPI_SUCCESS) {
    free(s->block_start);
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
  free(s->block_start);
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

bool cs_scheduler_next(cs_scheduler *s, size_t *first_chunk, size_t *n_chunks)
{
  if (cs_scheduler_stopping(s))
    return false;
  const int64_t block = fetch_and_add(s, SLOT_NEXT, 1);
  if (block < 0 || (size_t)block >= s->n_blocks)
    return false;
  *first_chunk = s->todo[s->block_start[block]];
  *n_chunks = s->block_start[block + 1] - s->block_start[block];
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
