# Third-party dependencies, all from Debian 12 packages (see launch/versions.sh).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(MPI REQUIRED COMPONENTS CXX)  # openmpi (libopenmpi-dev); we use its C API

# getps_import_library(TARGET HEADER LIBRARY): an imported target for a
# Debian package that ships no CMake config (librocksdb-dev, libhts-dev).
function(getps_import_library target header library)
  string(MAKE_C_IDENTIFIER "${library}" id)
  find_path(${id}_INCLUDE_DIR ${header} REQUIRED)
  find_library(${id}_LIBRARY ${library} REQUIRED)
  add_library(${target} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${${id}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${id}_INCLUDE_DIR}")
endfunction()

getps_import_library(getps::rocksdb rocksdb/db.h rocksdb)
getps_import_library(getps::htslib htslib/hts.h hts)
getps_import_library(getps::zmq zmq.h zmq)  # libzmq3-dev; cppzmq-dev's zmq.hpp sits beside it

if(GETPS_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED)
endif()

# cpp-httplib (libcpp-httplib-dev: the status server), xxHash
# (libxxhash-dev: file digests) and HDF5's C API (libhdf5-dev, serial: 10x
# .h5 and AnnData .h5ad for --rna) ship pkg-config files we use.
find_package(PkgConfig REQUIRED)
pkg_check_modules(GETPS_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(GETPS_XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(GETPS_HDF5 REQUIRED IMPORTED_TARGET hdf5>=1.10)
