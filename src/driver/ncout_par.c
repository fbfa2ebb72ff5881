/* The parallel side of the output file: the only NetCDF calls that need MPI. */
#include <mpi.h>
#include <netcdf.h>
#include <netcdf_par.h>

#include "driver.h"

cs_status cs_ncout_par_open(const char *path, int *ncid, cs_error *err)
{
  int rc = nc_open_par(path, NC_WRITE, MPI_COMM_WORLD, MPI_INFO_NULL, ncid);
  if (rc != NC_NOERR)
    return cs_error_set(err, CS_ERR_IO, "cannot reopen '%s' to resume: %s", path, nc_strerror(rc));
  /* Parallel HDF5 allocates every variable's storage when it opens a file whose schema was
   * written serially; putting that allocation on the disk now lets every later record
   * (chunk_done included) land at a known place, so a run killed at any moment leaves
   * the chunks it wrote readable. */
  rc = nc_sync(*ncid);
  if (rc != NC_NOERR) {
    nc_abort(*ncid);
    return cs_error_set(err, CS_ERR_NETCDF, "allocating the records of '%s': %s", path,
                        nc_strerror(rc));
  }
  return CS_OK;
}

cs_status cs_ncout_par_independent(int ncid, cs_error *err)
{
  int n_vars;
  int rc = nc_inq_nvars(ncid, &n_vars);
  for (int varid = 0; varid < n_vars && rc == NC_NOERR; varid++)
    rc = nc_var_par_access(ncid, varid, NC_INDEPENDENT);
  if (rc != NC_NOERR)
    return cs_error_set(err, CS_ERR_NETCDF, "setting independent access: %s", nc_strerror(rc));
  return CS_OK;
}
