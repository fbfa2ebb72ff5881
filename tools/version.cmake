# Writes the generated version header at every build, not only at configure time, so
# that the git revision a results file records is the one the binary was built from.
# configure_file leaves the header untouched while the revision is the same, so an
# unchanged tree rebuilds nothing. "-modified" marks a build with uncommitted changes to
# tracked files. --no-optional-locks: a build must not take git's index lock (a
# `git commit` running at the same time would fail on it).
# Run as: cmake -DSOURCE_DIR=... -DINPUT=... -DOUTPUT=... -DPROJECT_VERSION=...
#         -DCOHORTSIM_DEFAULT_COHORT=... -P version.cmake
execute_process(COMMAND git --no-optional-locks rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE COHORTSIM_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE not_git ERROR_QUIET)
if(not_git OR NOT COHORTSIM_GIT_REVISION)
  set(COHORTSIM_GIT_REVISION "unknown")
else()
  execute_process(COMMAND git --no-optional-locks status --porcelain --untracked-files=no
                  WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(changes)
    string(APPEND COHORTSIM_GIT_REVISION "-modified")
  endif()
endif()
configure_file(${INPUT} ${OUTPUT} @ONLY)
