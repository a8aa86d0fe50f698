# Fuzz hosts/ ParseCriContainerMetadata: the CRI plugin's container metadata
# extension, which another program (containerd's CRI) writes and reclaim reads
# on Kubernetes nodes to know which image a container uses.
# Seeds: fuzz/corpus/cri_metadata/
reclaim_fuzzer(cri_metadata_fuzzer
  SRCS ${CMAKE_CURRENT_LIST_DIR}/cri_metadata_fuzzer.cc
  DEPS reclaim_hosts)
