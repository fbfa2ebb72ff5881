/* The parallel side of the output file: the only NetCDF calls that need MPI. */
#include <mpi.h>
#include <netcdf.h>
#include <netcdf_par.h>

#include "driver.h"

cs_status cs_ncout_par_create(const char *path, int *ncid, cs_error *err)
{
  const int rc = nc_create_par(path, NC_NETCDF4 | NC_CLOBBER, MPI_COMM_WORLD, MPI_INFO_NULL, ncid);
  if (rc != NC_NOERR)
    return cs_error_set(err, CS_ERR_NETCDF, "cannot create '%s': %s", path, nc_strerror(rc));
  return CS_OK;
}

cs_status cs_ncout_par_collective(int ncid, cs_error *err)
{
  int n_vars;
  int rc = nc_inq_nvars(ncid, &n_vars);
  for (int varid = 0; varid < n_vars && rc == NC_NOERR; varid++)
    rc = nc_var_par_access(ncid, varid, NC_COLLECTIVE);
  if (rc != NC_NOERR)
    return cs_error_set(err, CS_ERR_NETCDF, "setting collective access: %s", nc_strerror(rc));
  return CS_OK;
}
