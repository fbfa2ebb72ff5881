/* Dynamic self-scheduling of chunks of patients over the ranks, and orderly stops.
 *
 * Patient costs differ by orders of magnitude (an early clearance against a long
 * relapse), so no static split balances the ranks. Instead every rank takes the next
 * block of chunks when it is free: a shared counter on rank 0, incremented with
 * MPI_Fetch_and_op (MPI-3 passive-target one-sided communication), so no rank has to
 * stop working to serve the others. Which rank simulates a chunk changes nothing in the
 * output: records are written by patient index.
 *
 * Blocks are consecutive chunks, so a rank writes a block's records in one go however
 * small the chunks are. Their sizes follow guided self-scheduling (Polychronopoulos and
 * Kuck, IEEE Trans Comput 36(12), 1987): a quarter of each rank's share of what is left,
 * so large blocks while much is left and single chunks at the end, where they balance
 * the ranks' finishing times. The partition is a function of the todo list and the
 * number of ranks, the same on every rank.
 *
 * A stop request (SIGTERM, SIGINT or SIGUSR1, SLURM's warning before the time limit) on
 * any rank sets a shared flag; every rank sees it after its current patient and stops.
 * The engines also read the signal flag itself (cs_scheduler_stop_flag) every few
 * milliseconds, so a rank that received the signal abandons even a long patient at once.
 */
#ifndef COHORTSIM_SCHEDULER_H
#define COHORTSIM_SCHEDULER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "cohortsim/status.h"

typedef struct cs_scheduler cs_scheduler;

/* Hands out the chunks in `todo` (n_todo chunk indices in increasing order, the same
 * list on every rank) in blocks of at most max_block consecutive chunks. Collective. */
cs_status cs_scheduler_create(const size_t *todo, size_t n_todo, size_t max_block,
                              cs_scheduler **scheduler, cs_error *err);

/* Frees; collective; accepts NULL and sets *scheduler to NULL. */
void cs_scheduler_destroy(cs_scheduler **scheduler);

/* The next block for this rank, chunks [*first_chunk, *first_chunk + *n_chunks), or
 * false when none is left or a stop was requested. */
bool cs_scheduler_next(cs_scheduler *scheduler, size_t *first_chunk, size_t *n_chunks);

/* This rank has finished a chunk (for progress across all ranks). */
void cs_scheduler_finished(cs_scheduler *scheduler);

/* Chunks finished by all ranks so far. */
size_t cs_scheduler_chunks_finished(cs_scheduler *scheduler);

/* True once any rank has been asked to stop (checked after every patient). */
bool cs_scheduler_stopping(cs_scheduler *scheduler);

/* Asks every rank to stop after its current patient (a failure on this rank). */
void cs_scheduler_request_stop(cs_scheduler *scheduler);

/* Installs the SIGTERM, SIGINT and SIGUSR1 handlers that request a stop. */
void cs_scheduler_catch_signals(void);

/* The flag those handlers set (non-zero once a signal came), for
 * cs_patient_sim_set_stop_flag. */
const volatile sig_atomic_t *cs_scheduler_stop_flag(void);

#endif
