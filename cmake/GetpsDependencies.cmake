# Third-party dependencies, all from Debian 12 packages (see launch/versions.sh).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(ZLIB REQUIRED)

# Debian's librocksdb-dev ships no CMake config: find header and library.
find_path(ROCKSDB_INCLUDE_DIR rocksdb/db.h REQUIRED)
find_library(ROCKSDB_LIBRARY rocksdb REQUIRED)
add_library(getps::rocksdb UNKNOWN IMPORTED)
set_target_properties(getps::rocksdb PROPERTIES
  IMPORTED_LOCATION "${ROCKSDB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${ROCKSDB_INCLUDE_DIR}")

find_path(HTSLIB_INCLUDE_DIR htslib/hts.h REQUIRED)
find_library(HTSLIB_LIBRARY hts REQUIRED)
add_library(getps::htslib UNKNOWN IMPORTED)
set_target_properties(getps::htslib PROPERTIES
  IMPORTED_LOCATION "${HTSLIB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${HTSLIB_INCLUDE_DIR}")

if(GETPS_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED)
endif()
