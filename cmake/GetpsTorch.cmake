# LibTorch for worker/ and the featurizer's conv scan. Found as:
#   1. a user's own LibTorch: -DTorch_DIR=... (e.g. a CUDA LibTorch on a
#      cluster, or /opt/torch/.venv's torch on a GPU host): its full CMake
#      config, CUDA and all. Takes precedence.
#   2. otherwise the PyPI torch wheel in GETPS_PYENV (made by launch/setup.sh),
#      which is the CUDA 13 build:
#      - GETPS_CUDA=auto (the default) or ON, and a CUDA toolkit found: the
#        wheel's own TorchConfig.cmake, CUDA and NCCL included (the binary
#        still runs on machines without a GPU, on CPU tensors);
#      - GETPS_CUDA=OFF, or auto without a toolkit: its libtorch_cpu and
#        libc10 plus headers, imported for CPU (the wheel's config demands a
#        CUDA toolkit, which a fresh machine lacks).
# Defines the target getps::torch, GETPS_TORCH_CUDA (ON when the LibTorch
# found has CUDA; then the compile definition GETPS_TORCH_CUDA=1 too) and,
# with CUDA, getps::nccl and GETPS_NCCL where NCCL is found (the wheel's
# nvidia/nccl, or a system one).
set(GETPS_CUDA "auto" CACHE STRING "Build against CUDA LibTorch: auto (where a CUDA toolkit is found), ON, OFF")
set_property(CACHE GETPS_CUDA PROPERTY STRINGS auto ON OFF)
set(GETPS_PYENV "" CACHE PATH "Python environment holding the torch wheel (launch/setup.sh)")
set(GETPS_TORCH_CUDA OFF)
add_library(getps_torch INTERFACE)
add_library(getps::torch ALIAS getps_torch)
set(GETPS_NCCL OFF)

# The torch wheel's folder, version and C++ ABI (from its Python).
function(getps_wheel_torch out_root out_abi out_version)
  if(NOT GETPS_PYENV)
    message(FATAL_ERROR "getps needs LibTorch: run launch/setup.sh and pass -DGETPS_PYENV=<its environment>, "
                        "or pass -DTorch_DIR=<dir with TorchConfig.cmake>")
  endif()
  execute_process(
    COMMAND "${GETPS_PYENV}/bin/python" -c
            "import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.__version__)"
    OUTPUT_VARIABLE _torch_out RESULT_VARIABLE _torch_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _torch_rc EQUAL 0)
    message(FATAL_ERROR "cannot import torch from ${GETPS_PYENV}/bin/python (re-run launch/setup.sh)")
  endif()
  string(REPLACE "\n" ";" _torch_out "${_torch_out}")
  list(GET _torch_out 0 _root)
  list(GET _torch_out 1 _abi)
  list(GET _torch_out 2 _version)
  set(${out_root} "${_root}" PARENT_SCOPE)
  set(${out_abi} "${_abi}" PARENT_SCOPE)
  set(${out_version} "${_version}" PARENT_SCOPE)
endfunction()

# A Torch_DIR this file chose itself (find_package caches it) is chosen
# again on each configure, so that GETPS_CUDA and GETPS_PYENV keep working.
if(Torch_DIR AND GETPS_AUTO_TORCH_DIR AND Torch_DIR STREQUAL GETPS_AUTO_TORCH_DIR)
  unset(Torch_DIR CACHE)
  unset(Torch_DIR)
endif()
if(NOT Torch_DIR AND NOT GETPS_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  # The toolkit's usual home counts as found even when it is not on PATH.
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    getps_wheel_torch(_torch_root _torch_abi _torch_version)
    if(EXISTS "${_torch_root}/share/cmake/Torch/TorchConfig.cmake")
      set(Torch_DIR "${_torch_root}/share/cmake/Torch")
      set(GETPS_AUTO_TORCH_DIR "${Torch_DIR}" CACHE INTERNAL "the Torch_DIR GETPS_CUDA chose")
      if(NOT DEFINED CUDA_TOOLKIT_ROOT_DIR)  # the toolkit of the nvcc found
        get_filename_component(_cuda_bin "${CMAKE_CUDA_COMPILER}" DIRECTORY)
        get_filename_component(CUDA_TOOLKIT_ROOT_DIR "${_cuda_bin}" DIRECTORY)
      endif()
    elseif(GETPS_CUDA STREQUAL "ON")
      message(FATAL_ERROR "GETPS_CUDA=ON: the torch wheel in ${_torch_root} has no TorchConfig.cmake")
    endif()
  elseif(GETPS_CUDA STREQUAL "ON")
    message(FATAL_ERROR "GETPS_CUDA=ON but no CUDA toolkit (nvcc) was found: put it on PATH or set CMAKE_CUDA_COMPILER")
  endif()
endif()

if(Torch_DIR)
  # getps compiles no CUDA code of its own; an arch list stops the config
  # from probing the GPUs with a test program (which fails on machines
  # without one, and with CMake versions that know no CUDA 20 dialect).
  if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
    set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
  endif()
  find_package(Torch REQUIRED CONFIG)
  target_link_libraries(getps_torch INTERFACE ${TORCH_LIBRARIES})
  # libtorch.so (the wheel's) exports copies of std::filesystem; linked
  # ahead of libstdc++ they would serve our calls, and its remove_all jumps
  # to a null address. libstdc++ first in the load order serves them all.
  target_link_options(getps_torch INTERFACE "LINKER:--push-state,--no-as-needed,-lstdc++,--pop-state")
  if(CAFFE2_USE_CUDA)
    set(GETPS_TORCH_CUDA ON)
    target_compile_definitions(getps_torch INTERFACE GETPS_TORCH_CUDA=1)
    include(cmake/GetpsNccl.cmake)
  endif()
  message(STATUS "getps: LibTorch ${Torch_VERSION} from Torch_DIR=${Torch_DIR} (CUDA: ${GETPS_TORCH_CUDA})")
else()
  getps_wheel_torch(_torch_root _torch_abi _torch_version)
  # Plain variables, not find_library's cache: a new environment must win.
  set(GETPS_TORCH_CPU_LIB "${_torch_root}/lib/libtorch_cpu.so")
  set(GETPS_C10_LIB "${_torch_root}/lib/libc10.so")
  if(NOT EXISTS "${GETPS_TORCH_CPU_LIB}" OR NOT EXISTS "${GETPS_C10_LIB}")
    message(FATAL_ERROR "the torch wheel in ${_torch_root} lacks libtorch_cpu.so / libc10.so")
  endif()
  target_include_directories(getps_torch SYSTEM INTERFACE
    "${_torch_root}/include" "${_torch_root}/include/torch/csrc/api/include")
  target_compile_definitions(getps_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=${_torch_abi})
  target_link_libraries(getps_torch INTERFACE ${GETPS_TORCH_CPU_LIB} ${GETPS_C10_LIB} Threads::Threads)
  # The wheel's libraries find their own dependencies through $ORIGIN; ours
  # find the wheel's through the build RPATH.
  set_property(TARGET getps_torch APPEND PROPERTY INTERFACE_LINK_OPTIONS "-Wl,-rpath,${_torch_root}/lib")
  message(STATUS "getps: LibTorch ${_torch_version} (CPU) from the wheel in ${_torch_root}")
endif()
