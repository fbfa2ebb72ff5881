#include "mpi_session.h"

#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The private session directory of a singleton, "" if none was made. */
static char session_base[4096] = "";

/* mpirun sets OMPI_COMM_WORLD_SIZE; srun sets PMIX_RANK (PMIx) or PMI_RANK (PMI-2). */
static bool under_launcher(void)
{
  return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL ||
         getenv("PMI_RANK") != NULL;
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
    const char *tmp = getenv("TMPDIR");
    if (getenv("OMPI_MCA_orte_tmpdir_base") == NULL &&
        snprintf(session_base, sizeof session_base, "%s/cohortsim-mpi-XXXXXX",
                 tmp != NULL && *tmp != '\0' ? tmp : "/tmp") < (int)sizeof session_base &&
        mkdtemp(session_base) != NULL)
      setenv("OMPI_MCA_orte_tmpdir_base", session_base, 1);
    else
      session_base[0] = '\0';
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
