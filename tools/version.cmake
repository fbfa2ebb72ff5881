# Writes the generated version header at every build, not only at configure time, so
# that the git revision a results file records is the one the binary was built from.
# configure_file leaves the header untouched while the revision is the same, so an
# unchanged tree rebuilds nothing. "-modified" marks a build with uncommitted changes.
# Run as: cmake -DSOURCE_DIR=... -DINPUT=... -DOUTPUT=... -DPROJECT_VERSION=...
#         -DCOHORTSIM_DEFAULT_COHORT=... -P version.cmake
execute_process(COMMAND git describe --always --dirty=-modified --abbrev=12
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE COHORTSIM_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT COHORTSIM_GIT_REVISION)
  set(COHORTSIM_GIT_REVISION "unknown")
endif()
configure_file(${INPUT} ${OUTPUT} @ONLY)
