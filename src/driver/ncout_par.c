/* The parallel side of the output file: the only NetCDF calls that need MPI. */
#include <errno.h>
#include <libgen.h>
#include <mpi.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"

/* NetCDF reports a missing directory as a permission problem; say what is wrong. */
static cs_status explain_create_failure(const char *path, int rc, cs_error *err)
{
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", path);
  const char *directory = dirname(copy);
  struct stat st;
  if (stat(directory, &st) != 0)
    return cs_error_set(err, CS_ERR_IO, "cannot create '%s': directory '%s' does not exist", path,
                        directory);
  return cs_error_set(err, CS_ERR_IO, "cannot create '%s': %s", path, nc_strerror(rc));
}

cs_status cs_ncout_par_create(const char *path, int *ncid, cs_error *err)
{
  const int rc = nc_create_par(path, NC_NETCDF4 | NC_CLOBBER, MPI_COMM_WORLD, MPI_INFO_NULL, ncid);
  if (rc != NC_NOERR)
    return explain_create_failure(path, rc, err);
  return CS_OK;
}

cs_status cs_ncout_par_open(const char *path, int *ncid, cs_error *err)
{
  const int rc = nc_open_par(path, NC_WRITE, MPI_COMM_WORLD, MPI_INFO_NULL, ncid);
  if (rc != NC_NOERR)
    return cs_error_set(err, CS_ERR_IO, "cannot reopen '%s' to resume: %s", path, nc_strerror(rc));
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
