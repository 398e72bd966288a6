# getps_target_defaults(TARGET): warnings (errors by default) and sanitizers for
# targets built from getps sources. Third-party headers come in as SYSTEM.
function(getps_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wcast-align)
  if(GETPS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(GETPS_SANITIZE)
    # GCC 12 reports -Wmaybe-uninitialized false positives inside std::regex,
    # std::function and c10 headers only when the sanitizers instrument them.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=all
                                             -Wno-maybe-uninitialized)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# getps_library(NAME SOURCES...): a static library for one folder, its public
# headers reachable as "folder/header.h" from the repository root.
function(getps_library name)
  add_library(${name} STATIC ${ARGN})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  getps_target_defaults(${name})
endfunction()

# getps_precompile_torch(TARGET): LibTorch's umbrella header precompiled once
# per target (it is most of the compile time of a file that includes it).
# ccache caches such builds when its sloppiness allows (launch/build.sh).
function(getps_precompile_torch target)
  if(GETPS_PCH)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
endfunction()
