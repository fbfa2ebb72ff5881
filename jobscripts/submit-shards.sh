#!/usr/bin/env bash
# Runs a cohort as SHARDS independent jobs (a job array) and merges them when all succeed.
#
#   jobscripts/submit-shards.sh SHARDS COHORT.yaml OUT.nc [cohortsim run options]
#   e.g. jobscripts/submit-shards.sh 10 cohorts/necroptosis_triple.yaml results/triple.nc -n 1000000 -s 42
#
# Submits jobscripts/shard.sbatch as the array --array=0-(SHARDS-1): task K runs
# `cohortsim run COHORT.yaml -o OUT.shardK.nc --resume --shard K/SHARDS [options]`, with
# the time-out requeue of cohort.sbatch; then jobscripts/merge.sbatch with
# --dependency=afterok:ARRAYJOB, which writes OUT.nc (equal in every data value to one run
# of the whole cohort). Prints "ARRAYJOB MERGEJOB" on stdout (for scripts: read a m < <(...))
# and a sentence on stderr. Relative paths are relative to the current directory, where
# the jobs start.
#
# Extra sbatch options (word-split), e.g. for the site's account and partition:
#   COHORTSIM_SBATCH_ARGS        both the array and the merge (--account=..., --partition=...)
#   COHORTSIM_SHARD_SBATCH_ARGS  the array tasks only (e.g. --ntasks=64 --time=04:00:00)
#   COHORTSIM_MERGE_SBATCH_ARGS  the merge only
#   COHORTSIM_ARRAY              the --array value (default 0-(SHARDS-1); 0-99%10 runs at
#                                most 10 of 100 shards at once)
# The jobs find cohortsim as cohort.sbatch does (COHORTSIM_BIN, PATH, COHORTSIM_HOME);
# this script sets COHORTSIM_HOME and COHORTSIM_JOBSCRIPTS to its own repository for them.
# If a shard fails, the merge is cancelled (--kill-on-invalid-dep=yes): fix the cause, run
# the failed shard again (sbatch --array=K jobscripts/shard.sbatch SHARDS COHORT OUT ...,
# it resumes) and then the merge (sbatch jobscripts/merge.sbatch SHARDS OUT.nc).
set -euo pipefail

usage() {
  echo "usage: submit-shards.sh SHARDS COHORT.yaml OUT.nc [cohortsim run options]" >&2
  exit 2
}
[ $# -ge 3 ] || usage
shards=$1
cohort=$2
out=$3
shift 3
[[ $shards =~ ^[1-9][0-9]*$ ]] || {
  echo "submit-shards.sh: SHARDS must be a positive integer, got '$shards'" >&2
  exit 2
}
[ -r "$cohort" ] || {
  echo "submit-shards.sh: cannot read the cohort file '$cohort'" >&2
  exit 2
}
[ -d "$(dirname "$out")" ] || {
  echo "submit-shards.sh: the directory of '$out' does not exist" >&2
  exit 2
}
for option in "$@"; do
  case "$option" in
    -o | --output* | --shard*)
      echo "submit-shards.sh: '$option' is set by the script; give OUT.nc as its third argument" >&2
      exit 2
      ;;
  esac
done
command -v sbatch >/dev/null || {
  echo "submit-shards.sh: sbatch not found (is this a SLURM login node?)" >&2
  exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export COHORTSIM_JOBSCRIPTS="$here"
export COHORTSIM_HOME="${COHORTSIM_HOME:-$(dirname "$here")}"
read -r -a common <<<"${COHORTSIM_SBATCH_ARGS:-}"
read -r -a shard_args <<<"${COHORTSIM_SHARD_SBATCH_ARGS:-}"
read -r -a merge_args <<<"${COHORTSIM_MERGE_SBATCH_ARGS:-}"

# --parsable prints "JOBID" or "JOBID;CLUSTER".
array_job=$(sbatch --parsable --array="${COHORTSIM_ARRAY:-0-$((shards - 1))}" \
  "${common[@]}" "${shard_args[@]}" "$here/shard.sbatch" "$shards" "$cohort" "$out" "$@")
array_job=${array_job%%;*}
merge_job=$(sbatch --parsable --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
  "${common[@]}" "${merge_args[@]}" "$here/merge.sbatch" "$shards" "$out")
merge_job=${merge_job%%;*}
echo "submit-shards.sh: $shards shards of $cohort as array job $array_job; job $merge_job" \
  "merges them into $out when all succeed" >&2
echo "$array_job $merge_job"
