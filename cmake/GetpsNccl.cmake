# NCCL for --sync nccl, with a CUDA LibTorch (GetpsTorch.cmake): the torch
# wheel's own (site-packages/nvidia/nccl, the library torch itself loads),
# else a system one (-DNCCL_ROOT=... or the default paths). Defines
# getps::nccl and sets GETPS_NCCL (and the compile definition GETPS_NCCL=1
# on getps::nccl) when found; without it --sync nccl is absent from the build.
get_filename_component(_nccl_wheel "${TORCH_INSTALL_PREFIX}/../nvidia/nccl" ABSOLUTE)
find_path(GETPS_NCCL_INCLUDE nccl.h HINTS "${_nccl_wheel}/include" "${NCCL_ROOT}/include" NO_CACHE)
find_library(GETPS_NCCL_LIBRARY NAMES libnccl.so.2 nccl NAMES_PER_DIR
             HINTS "${_nccl_wheel}/lib" "${NCCL_ROOT}/lib" NO_CACHE)
if(GETPS_NCCL_INCLUDE AND GETPS_NCCL_LIBRARY)
  add_library(getps_nccl INTERFACE)
  add_library(getps::nccl ALIAS getps_nccl)
  target_include_directories(getps_nccl SYSTEM INTERFACE "${GETPS_NCCL_INCLUDE}")
  target_link_libraries(getps_nccl INTERFACE "${GETPS_NCCL_LIBRARY}")
  target_compile_definitions(getps_nccl INTERFACE GETPS_NCCL=1)
  get_filename_component(_nccl_dir "${GETPS_NCCL_LIBRARY}" DIRECTORY)
  set_property(TARGET getps_nccl APPEND PROPERTY INTERFACE_LINK_OPTIONS "-Wl,-rpath,${_nccl_dir}")
  set(GETPS_NCCL ON)
  message(STATUS "getps: NCCL from ${GETPS_NCCL_LIBRARY}")
else()
  message(STATUS "getps: no NCCL found (--sync nccl left out of the build)")
endif()
