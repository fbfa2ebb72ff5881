# data_of FILE: the data of a cohortsim output file as text, for bit-for-bit comparisons:
# ncdump with full precision (17 significant digits round-trip a double), without its
# first line (it names the file) and without the provenance attributes, which are the
# only things the determinism contract lets differ between runs of the same cohort.
# Sourced by the MPI and SLURM script tests; one list, so a new provenance attribute is
# added in one place.
data_of() {
  ncdump -p 9,17 "$1" | sed 1d |
    grep -v -E ':(mpi_ranks|hostname|created|ended|wall_time_seconds|rank_busy_seconds|load_imbalance|slurm_job_id|slurm_array_job_id|slurm_array_task_id) = '
}
