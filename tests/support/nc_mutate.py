#!/usr/bin/python3
"""Mutants of a valid cohortsim output file, for tests/e2e/nc_mutations.sh.

Usage: nc_mutate.py GOOD.nc OUTDIR

Writes OUTDIR/<name>.nc for each mutant and prints one manifest line per mutant:
  <name> <kind> <resume> <what the message must name>
where resume is "resume" for the mutants run --resume is also tried on (each try starts
MPI, which takes a second: the ones that reach its checks in different ways), "-" for
the others, and kind says what the readers may answer:
  malformed  a truncated, resized, retyped, renamed or deleted part, or an attribute
             that contradicts the run: every reader refuses it (exit 4; run --resume
             may instead say it is another run, exit 2)
  incomplete a partial file: summary, verify and merge refuse it (exit 4), run --resume
             finishes it (exit 0)
  data       a tampered value: verify finds it (exit 5); summary, merge and run
             --resume read it as it is (they do not re-simulate)
  identity   a tampered seed: verify finds the records differ (exit 5), run --resume
             says the file is of another run (exit 2), summary and merge read it
  provenance a tampered attribute that does not change data: every reader accepts it
"""
import os
import shutil
import sys

import netCDF4
import numpy as np

good, outdir = sys.argv[1], sys.argv[2]
manifest = []


def raw(var):
    var.set_auto_maskandscale(False)
    return var[...]


def copy_dataset(path, drop_var=None, dims=None, retype=None, rename_var=None, extra_dim=False,
                 extra_var=False, permute=None, drop_global=None):
    """Rewrites GOOD into path with the changes netCDF4 cannot make in place: a dimension
    resized (data cut or padded with the fill value), a variable dropped, renamed, given
    another type or its dimensions permuted, an extra dimension or variable."""
    dims = dims or {}
    retype = retype or {}
    with netCDF4.Dataset(good) as src, netCDF4.Dataset(path, "w", format="NETCDF4") as dst:
        for name, dim in src.dimensions.items():
            dst.createDimension(name, dims.get(name, len(dim)))
        if extra_dim:
            dst.createDimension("extra", 3)
        for name in src.ncattrs():
            if name == drop_global:
                continue
            if name == "override_list":  # the one attribute of strings, not of text
                dst.setncattr_string(name, src.getncattr(name))
            else:
                dst.setncattr(name, src.getncattr(name))
        for name, var in src.variables.items():
            if name == drop_var:
                continue
            dtype = retype.get(name, var.datatype)
            vdims = var.dimensions
            if permute is not None and name == permute:
                vdims = tuple(reversed(vdims))
            attrs = {a: var.getncattr(a) for a in var.ncattrs()}
            fill = attrs.pop("_FillValue", None)
            out = dst.createVariable(rename_var.get(name, name) if rename_var else name, dtype,
                                     vdims, fill_value=fill)
            for a, value in attrs.items():
                out.setncattr(a, value)
            data = raw(var)
            if dtype is str or var.dtype is str:
                if dtype is str and var.dtype is str:
                    n = min(len(data), len(out))
                    out[:n] = data[:n]
                continue
            out.set_auto_maskandscale(False)
            if permute is not None and name == permute:
                data = np.transpose(data)
            shape = tuple(len(dst.dimensions[d]) for d in vdims)
            region = tuple(slice(0, min(a, b)) for a, b in zip(shape, data.shape))
            out[region] = data[region].astype(out.dtype)
        if extra_var:
            dst.createVariable("extra_var", "f8", ("patient",))[:] = 1.0


RESUMED = {"truncated_2048", "text_file", "foreign_netcdf", "dim_time_12", "dim_arm_3",
           "dim_patient_400", "dim_chunk_4000", "dim_chunk_19", "deleted_chunk_done",
           "deleted_os_time", "retyped_chunk_done", "retyped_os_time", "permuted_os_time",
           "attribute_n_patients_40", "attribute_chunk_size_2", "cohort_yaml_invalid",
           "units_os_time", "chunks_not_done", "never_finalized", "tampered_seed",
           "tampered_os_time", "provenance_hostname"}


def mutant(name, kind, names):
    manifest.append(f"{name} {kind} {'resume' if name in RESUMED else '-'} {names}")
    return os.path.join(outdir, name + ".nc")


def edit(name, kind, names, change):
    path = mutant(name, kind, names)
    shutil.copy(good, path)
    with netCDF4.Dataset(path, "r+") as ds:
        ds.set_auto_maskandscale(False)
        change(ds)


size = os.path.getsize(good)
for offset in (0, 2048, size // 2, size - 64):
    path = mutant(f"truncated_{offset}", "malformed", f"truncated_{offset}")
    with open(good, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read(offset))
with open(mutant("text_file", "malformed", "text_file"), "w") as f:
    f.write("name: not a NetCDF file\n")
with netCDF4.Dataset(mutant("foreign_netcdf", "malformed", "cohort_yaml"), "w") as ds:
    ds.createDimension("x", 2)
    ds.createVariable("x", "f8", ("x",))[:] = [1, 2]

with netCDF4.Dataset(good) as ds:
    n_patients = len(ds.dimensions["patient"])
    n_chunks = len(ds.dimensions["chunk"])
    param = next(v for v in ds.variables if v.startswith("param_"))

# Dimensions of other lengths than the cohort implies.
for dim, length in (("time", 12), ("arm", 3), ("arm", 1), ("patient", 400), ("chunk", 4000),
                    ("chunk", 19), ("reaction", 2), ("quantile", 4)):
    copy_dataset(mutant(f"dim_{dim}_{length}", "malformed", f"dimension {dim}"),
                 dims={dim: length})
copy_dataset(mutant("extra_dimension", "malformed", "extra dimension"), extra_dim=True)
copy_dataset(mutant("extra_variable", "malformed", "extra variable"), extra_var=True)

# Variables deleted, renamed, retyped or reshaped.
for var in ("os_time", "median_os", "chunk_done", "time", "arm_name", param, "species_mean",
            "unrecorded_value"):
    copy_dataset(mutant(f"deleted_{var}", "malformed", f"variable {var}"), drop_var=var)
copy_dataset(mutant("renamed_os_time", "malformed", "variable os_time"),
             rename_var={"os_time": "os_time2"})
for var, dtype in (("os_time", "f4"), ("chunk_done", "i4"), ("clearance_fraction", "f4"),
                   ("time", "i4"), ("arm_name", "f8")):
    copy_dataset(mutant(f"retyped_{var}", "malformed", f"variable {var}"), retype={var: dtype})
copy_dataset(mutant("permuted_os_time", "malformed", "variable os_time"), permute="os_time")

# Attributes deleted, renamed, retyped or contradicting the run.
for att in ("cohort_yaml", "seed", "override_list", "shard_first_patient", "software_version"):
    copy_dataset(mutant(f"deleted_attribute_{att}", "malformed", att), drop_global=att)
edit("renamed_attribute_seed", "malformed", "seed", lambda ds: ds.renameAttribute("seed", "seed2"))
edit("retyped_attribute_seed", "malformed", "seed",
     lambda ds: ds.setncattr("seed", np.int32(ds.getncattr("seed"))))
edit("retyped_attribute_shard_count", "malformed", "shard_count",
     lambda ds: ds.setncattr("shard_count", "1"))
edit("attribute_n_patients_40", "malformed", "patient",
     lambda ds: ds.setncattr("n_patients", np.uint64(40)))
edit("attribute_chunk_size_2", "malformed", "chunk_size",
     lambda ds: ds.setncattr("chunk_size", np.uint64(2)))
edit("attribute_shard_index_1", "malformed", "shard_index",
     lambda ds: ds.setncattr("shard_index", np.int32(1)))
edit("attribute_shard_count_2", "malformed", "patient",
     lambda ds: ds.setncattr("shard_count", np.int32(2)))
edit("attribute_method", "malformed", "method", lambda ds: ds.setncattr("method", "other"))
edit("cohort_yaml_invalid", "malformed", "cohort_yaml",
     lambda ds: ds.setncattr("cohort_yaml", "name: [unclosed\n"))
edit("cohort_yaml_followup", "malformed", "time",
     lambda ds: ds.setncattr("cohort_yaml",
                             ds.getncattr("cohort_yaml").replace("followup_days: 20",
                                                                 "followup_days: 30")))
edit("units_os_time", "malformed", "units", lambda ds: ds["os_time"].setncattr("units", "hours"))
edit("deleted_fill_median_os", "malformed", "_FillValue",
     lambda ds: ds["median_os"].delncattr("_FillValue"))


# Tampered values: records, statistics, coordinates. Each is changed so that it differs.
def bump(var, index):
    def change(ds):
        v = ds[var]
        value = v[index]
        v[index] = value + 1 if np.isfinite(value) else 0.5
    return change


def rename_first(var, to):
    def change(ds):
        ds[var][0] = to
    return change


for var, index in (("os_time", (1, 7)), ("burden", (0, 3, 2)), (param, (5,)),
                   ("reaction_count", (1, 4, 0)), ("clearance_fraction", (0,)),
                   ("median_os", (1,)), ("logrank_p", (0, 1)), ("os_survival", (0, 5)),
                   ("rfs_at_risk", (1, 3)), ("burden_quantiles", (1, 2, 4)), ("time", (3,)),
                   ("unrecorded_value", (0, 3, 2, 0)), ("species_mean", (1, 2, 0)),
                   ("species_sd", (0, 3, 0)), ("species_quantiles", (1, 2, 0, 4))):
    edit(f"tampered_{var}", "data", var, bump(var, index))
edit("tampered_arm_name", "data", "arm_name", rename_first("arm_name", "placebo"))
edit("tampered_reaction_name", "data", "reaction_name", rename_first("reaction_name", "growth"))
edit("tampered_unrecorded_name", "data", "unrecorded_name", rename_first("unrecorded_name", "B"))
edit("tampered_seed", "identity", "differs", lambda ds: ds.setncattr("seed", np.uint64(2)))


# Partial files: chunks not done, or statistics never written.
def undone(ds):
    ds["chunk_done"][3:7] = 0
    ds.delncattr("ended")


edit("chunks_not_done", "incomplete", f"{n_chunks - 4} of {n_chunks} chunks done", undone)
edit("never_finalized", "incomplete", "statistics were never written",
     lambda ds: ds.delncattr("ended"))

# Provenance: where and when, not what.
edit("provenance_hostname", "provenance", "-", lambda ds: ds.setncattr("hostname", "elsewhere"))
edit("provenance_mpi_ranks", "provenance", "-",
     lambda ds: ds.setncattr("mpi_ranks", np.int32(99)))

missing = RESUMED - {line.split()[0] for line in manifest}
assert not missing, f"RESUMED names no mutant: {missing}"
print("\n".join(manifest))
