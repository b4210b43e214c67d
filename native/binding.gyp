# The mmap addon. Built from source by `npm install` (node-gyp rebuild --nodedir=/usr --directory native).
# IPFRS_MMAP_ASAN=1 in the environment builds it with AddressSanitizer (run node with LD_PRELOAD=libasan.so).
# (Not named `asan`: node's config.gypi already sets a variable of that name to 0.)
# IPFRS_GUARD_PORTABLE=1 builds the fault guard's portable copy (process_vm_readv), used off x86-64, to test it here.
{
  "variables": {
    "ipfrs_mmap_asan%": "<!(node -p \"process.env.IPFRS_MMAP_ASAN === '1' ? 1 : 0\")",
    "ipfrs_guard_portable%": "<!(node -p \"process.env.IPFRS_GUARD_PORTABLE === '1' ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "ipfrs_mmap",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/mapping.cc",
        "src/mmap_file.cc",
        "src/cache.cc",
        "src/fault_guard.cc",
        "src/socket_write.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["ipfrs_guard_portable == 1", { "defines": ["IPFRS_GUARD_PORTABLE"] }],
        ["ipfrs_mmap_asan == 1", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-O1", "-g"],
          "ldflags": ["-fsanitize=address"]
        }]
      ]
    }
  ]
}
