/* Starting and ending MPI for `cohortsim run`.
 *
 * Started without mpirun or srun (a singleton), Open MPI would first launch a helper
 * daemon, a fifth of a second that a one-process run does not need, so it is asked not
 * to (ess_singleton_isolated). Such isolated singletons all take the same job name, and
 * so the same session directory under /tmp, and the first to finish deletes it under
 * the others (their MPI-IO shared file pointers live there). Each singleton therefore
 * gets a session directory of its own, removed at the end, and named with its pid and
 * host, so that the next singleton removes the directories of killed ones. Under a
 * launcher, and for any setting the user made, nothing of this is changed.
 *
 * In every case, Open MPI's shared file pointers, which cohortsim does not use, are set
 * to the component that makes no files (with the others, an output path of 245
 * characters or more crashed the run). (These settings are parameters of Open MPI 4,
 * the version of Debian 12; a later Open MPI ignores them and starts as usual.)
 */
#ifndef COHORTSIM_MPI_SESSION_H
#define COHORTSIM_MPI_SESSION_H

void cs_mpi_session_start(int *argc, char ***argv);

void cs_mpi_session_end(void);

#endif
