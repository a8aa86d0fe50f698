# containerd's gRPC API as a C++ static library, generated at build time
# (specs/containerd.md §1–2).
#
#   include(ContainerdProtos)
#   reclaim_containerd_api(reclaim_containerd_api)   # -> target with the .pb/.grpc.pb code
#
# The .proto files come from Debian's golang-github-containerd-containerd-dev.
# That package is never installed (it drags in 113 packages): configure runs
# `apt-get download` into the build dir once, caches the .deb there and
# extracts it with `dpkg-deb -x`. Offline builds pass one of
#   -DRECLAIM_CONTAINERD_PROTO_DEB=/path/to/golang-github-containerd-containerd-dev_*.deb
#   -DRECLAIM_CONTAINERD_PROTO_SRC=/usr/share/gocode/src   (an extracted or installed tree)
# Before protoc runs, the gogoproto options and the `import weak "gogoproto/gogo.proto"`
# are stripped (they only steer Go codegen; protoc's C++ generator aborts on
# weak imports). Nothing generated lands in the source tree.

set(RECLAIM_CONTAINERD_PROTO_DEB "" CACHE FILEPATH
    "A golang-github-containerd-containerd-dev .deb to take containerd's protos from")
set(RECLAIM_CONTAINERD_PROTO_SRC "" CACHE PATH
    "A gocode src root holding github.com/containerd/containerd/api (instead of the .deb)")

set(_RECLAIM_CTD_PACKAGE golang-github-containerd-containerd-dev)
set(_RECLAIM_CTD_API github.com/containerd/containerd/api)
# The services reclaim talks to (diff: the unpacker's Diff.Apply), plus the
# types they import.
set(_RECLAIM_CTD_SERVICES
  services/images/v1/images
  services/content/v1/content
  services/containers/v1/containers
  services/leases/v1/leases
  services/snapshots/v1/snapshots
  services/diff/v1/diff
  services/namespaces/v1/namespace
  services/version/v1/version)
set(_RECLAIM_CTD_TYPES types/descriptor types/mount)

# Sets ${out_var} to a directory under which ${_RECLAIM_CTD_API} lives.
function(_reclaim_containerd_proto_root out_var)
  if(RECLAIM_CONTAINERD_PROTO_SRC)
    if(NOT EXISTS "${RECLAIM_CONTAINERD_PROTO_SRC}/${_RECLAIM_CTD_API}/services/images/v1/images.proto")
      message(FATAL_ERROR "RECLAIM_CONTAINERD_PROTO_SRC=${RECLAIM_CONTAINERD_PROTO_SRC} has no "
                          "${_RECLAIM_CTD_API}/services/images/v1/images.proto")
    endif()
    set(${out_var} "${RECLAIM_CONTAINERD_PROTO_SRC}" PARENT_SCOPE)
    return()
  endif()

  set(work "${CMAKE_BINARY_DIR}/_containerd_api")
  set(deb "${RECLAIM_CONTAINERD_PROTO_DEB}")
  if(NOT deb)
    file(GLOB deb "${work}/deb/${_RECLAIM_CTD_PACKAGE}_*.deb")
    list(LENGTH deb n)
    if(n EQUAL 0)
      find_program(RECLAIM_APT_GET apt-get)
      if(NOT RECLAIM_APT_GET)
        message(FATAL_ERROR "containerd store: cannot fetch containerd's protos: no apt-get. Pass "
                            "-DRECLAIM_CONTAINERD_PROTO_DEB=<${_RECLAIM_CTD_PACKAGE}_*.deb> or "
                            "-DRECLAIM_CONTAINERD_PROTO_SRC=<gocode src root>, or -DRECLAIM_CONTAINERD=OFF.")
      endif()
      file(MAKE_DIRECTORY "${work}/deb")
      message(STATUS "containerd store: apt-get download ${_RECLAIM_CTD_PACKAGE}")
      execute_process(COMMAND "${RECLAIM_APT_GET}" download ${_RECLAIM_CTD_PACKAGE}
                      WORKING_DIRECTORY "${work}/deb"
                      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
      file(GLOB deb "${work}/deb/${_RECLAIM_CTD_PACKAGE}_*.deb")
      list(LENGTH deb n)
      if(NOT rc EQUAL 0 OR n EQUAL 0)
        message(FATAL_ERROR "containerd store: `apt-get download ${_RECLAIM_CTD_PACKAGE}` failed "
                            "(exit ${rc}):\n${err}\nRun `apt-get update` first, or pass "
                            "-DRECLAIM_CONTAINERD_PROTO_DEB=<.deb> or -DRECLAIM_CONTAINERD_PROTO_SRC=<dir>, "
                            "or configure with -DRECLAIM_CONTAINERD=OFF.")
      endif()
    endif()
    list(GET deb 0 deb)
  endif()
  if(NOT EXISTS "${deb}")
    message(FATAL_ERROR "RECLAIM_CONTAINERD_PROTO_DEB=${deb} does not exist")
  endif()

  # Extract once per .deb (the stamp names it).
  set(root "${work}/x/usr/share/gocode/src")
  set(stamp "${work}/x.stamp")
  set(have "")
  if(EXISTS "${stamp}")
    file(READ "${stamp}" have)
  endif()
  if(NOT have STREQUAL "${deb}" OR NOT EXISTS "${root}/${_RECLAIM_CTD_API}")
    find_program(RECLAIM_DPKG_DEB dpkg-deb REQUIRED)
    file(REMOVE_RECURSE "${work}/x")
    execute_process(COMMAND "${RECLAIM_DPKG_DEB}" -x "${deb}" "${work}/x"
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "containerd store: dpkg-deb -x ${deb} failed: ${err}")
    endif()
    file(WRITE "${stamp}" "${deb}")
  endif()
  set(${out_var} "${root}" PARENT_SCOPE)
endfunction()

# reclaim_containerd_api(NAME): a static library with the generated messages and
# stubs; its consumers include e.g.
#   "github.com/containerd/containerd/api/services/images/v1/images.grpc.pb.h".
function(reclaim_containerd_api NAME)
  find_package(gRPC CONFIG REQUIRED)  # also finds Protobuf (module mode)
  find_program(RECLAIM_SED sed REQUIRED)
  _reclaim_containerd_proto_root(src)

  set(stripped "${CMAKE_CURRENT_BINARY_DIR}/containerd_proto")
  set(gen "${CMAKE_CURRENT_BINARY_DIR}/containerd_gen")
  file(MAKE_DIRECTORY "${gen}")
  set(protos "")
  set(rel_protos "")
  set(srcs "")
  set(hdrs "")
  foreach(f IN LISTS _RECLAIM_CTD_SERVICES _RECLAIM_CTD_TYPES)
    set(rel "${_RECLAIM_CTD_API}/${f}.proto")
    get_filename_component(dir "${stripped}/${rel}" DIRECTORY)
    add_custom_command(
      OUTPUT "${stripped}/${rel}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
      COMMAND "${RECLAIM_SED}"
              -e "/^import weak \"gogoproto\\/gogo.proto\";/d"
              -e "/^[[:space:]]*option (gogoproto\\./d"
              -e "s/ *\\[(gogoproto[^]]*\\]//"
              "${src}/${rel}" > "${stripped}/${rel}"
      DEPENDS "${src}/${rel}"
      COMMENT "Stripping gogoproto options from ${f}.proto"
      VERBATIM)
    list(APPEND protos "${stripped}/${rel}")
    list(APPEND rel_protos "${rel}")
    list(APPEND srcs "${gen}/${_RECLAIM_CTD_API}/${f}.pb.cc")
    list(APPEND hdrs "${gen}/${_RECLAIM_CTD_API}/${f}.pb.h"
                     "${gen}/${_RECLAIM_CTD_API}/${f}.grpc.pb.h")
    if(f IN_LIST _RECLAIM_CTD_SERVICES)
      list(APPEND srcs "${gen}/${_RECLAIM_CTD_API}/${f}.grpc.pb.cc")
    else()
      # Generated (protoc writes one per input) but empty: not compiled.
      list(APPEND hdrs "${gen}/${_RECLAIM_CTD_API}/${f}.grpc.pb.cc")
    endif()
  endforeach()

  add_custom_command(
    OUTPUT ${srcs} ${hdrs}
    COMMAND protobuf::protoc -I "${stripped}" -I "${Protobuf_INCLUDE_DIRS}"
            --cpp_out "${gen}" --grpc_out "${gen}"
            "--plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
            ${rel_protos}
    DEPENDS ${protos} protobuf::protoc gRPC::grpc_cpp_plugin
    COMMENT "protoc: containerd API (${CMAKE_CURRENT_BINARY_DIR})"
    VERBATIM)

  add_library(${NAME} STATIC ${srcs})
  # Generated code: no project warnings; include root is the generation dir.
  target_include_directories(${NAME} SYSTEM PUBLIC "${gen}")
  target_link_libraries(${NAME} PUBLIC gRPC::grpc++ protobuf::libprotobuf)
  set_target_properties(${NAME} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
