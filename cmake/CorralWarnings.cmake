# Every corral target gets the same warning set; CI adds -Werror so the count stays at zero.
add_library(corral_warnings INTERFACE)
target_compile_options(corral_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(CORRAL_WERROR)
  target_compile_options(corral_warnings INTERFACE -Werror)
endif()

add_library(corral_sanitizers INTERFACE)
if(CORRAL_SANITIZE)
  target_compile_options(corral_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(corral_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(CORRAL_FUZZ)
  # Coverage for libFuzzer in every object, the sanitizers, and asserts on
  # (toml++'s included: its TOML_ASSERT is assert()).
  target_compile_options(corral_sanitizers INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -UNDEBUG)
  target_link_options(corral_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# corral_program(NAME SOURCES...) : a thin executable over libcorral.
function(corral_program name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE corral corral_warnings corral_sanitizers)
endfunction()
