# LibTorch for worker/ (the only folder that includes it). Found as:
#   1. a user's own LibTorch: -DTorch_DIR=... (e.g. a CUDA LibTorch on a
#      cluster, or /opt/torch/.venv's torch on a GPU host): its full CMake
#      config, CUDA and all. Takes precedence.
#   2. otherwise the PyPI torch wheel in GETPS_PYENV (made by launch/setup.sh),
#      imported for CPU: its libtorch_cpu and libc10 plus headers. The wheel's
#      own TorchConfig.cmake demands a CUDA toolkit, which a fresh machine
#      lacks; the CPU import needs none and runs everything on CPU.
# Defines the target getps::torch and GETPS_TORCH_CUDA (ON when the LibTorch
# found has CUDA).
set(GETPS_PYENV "" CACHE PATH "Python environment holding the torch wheel (launch/setup.sh)")
set(GETPS_TORCH_CUDA OFF)
add_library(getps_torch INTERFACE)
add_library(getps::torch ALIAS getps_torch)

if(Torch_DIR)
  find_package(Torch REQUIRED CONFIG)
  target_link_libraries(getps_torch INTERFACE ${TORCH_LIBRARIES})
  if(CAFFE2_USE_CUDA)
    set(GETPS_TORCH_CUDA ON)
  endif()
  message(STATUS "getps: LibTorch ${Torch_VERSION} from Torch_DIR=${Torch_DIR} (CUDA: ${GETPS_TORCH_CUDA})")
else()
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
  list(GET _torch_out 0 _torch_root)
  list(GET _torch_out 1 _torch_abi)
  list(GET _torch_out 2 _torch_version)
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
