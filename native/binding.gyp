{
  "variables": {
    "sntk_blas_include%": "<!(node -p \"process.env.SNTK_BLAS_INCLUDE_DIRS || '/usr/include'\")",
    "sntk_blas_libs%": "<!(node -p \"process.env.SNTK_BLAS_LIBS || '-llapacke -lopenblas'\")"
  },
  "targets": [
    {
      "target_name": "sntk_native",
      "sources": ["sntk_native.c"],
      "include_dirs": ["<@(sntk_blas_include)"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["<@(sntk_blas_libs)"],
      "ldflags": ["-Wl,-z,now"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
