# SPDX-License-Identifier: Apache-2.0
# Every corral target gets the same warning set; CI adds -Werror so the count stays at zero.
add_library(corral_warnings INTERFACE)
target_compile_options(corral_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(CORRAL_WERROR)
  target_compile_options(corral_warnings INTERFACE -Werror)
endif()
if(CORRAL_UNITY_BUILD)
  # GCC warns when a type with external linkage uses a type from an anonymous
  # namespace outside "the main file", which is meant to catch headers. In a
  # unity build every source file is included by a generated main file, so it
  # would fire for each file-local type a class uses (a test fixture, the
  # registry's shared-memory layout), though each is still used by one file only.
  target_compile_options(corral_warnings INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-subobject-linkage>)
endif()

add_library(corral_sanitizers INTERFACE)
if(CORRAL_SANITIZE)
  target_compile_options(corral_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(corral_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(CORRAL_FUZZ)
  # Coverage for libFuzzer in every object, the sanitizers, and asserts on.
  # toml++ is compiled in (header-only mode) instead of Debian's prebuilt
  # release .so, so its parser is instrumented and its TOML_ASSERTs (assert())
  # are checked.
  target_compile_options(corral_sanitizers INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -UNDEBUG
    -UTOML_HEADER_ONLY -DTOML_HEADER_ONLY=1 -UTOML_SHARED_LIB -DTOML_SHARED_LIB=0)
  target_link_options(corral_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# corral_program(NAME SOURCES...) : a thin executable over libcorral. It keeps
# only the sections it reaches (libcorral has a section per function).
function(corral_program name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE corral corral_warnings corral_sanitizers)
  target_link_options(${name} PRIVATE -Wl,--gc-sections)
endfunction()
