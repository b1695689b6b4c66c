{
  "targets": [
    {
      "target_name": "digitfuse_native",
      "sources": ["src/addon.cc", "src/kernels.cc", "src/kernels_avx512.cc", "src/kernels_avx2.cc", "src/kernels_portable.cc", "src/isa.cc", "src/adam.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno"],
      "cflags_cc!": ["-O2"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-fno-math-errno"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "Optimization": 2, "AdditionalOptions": ["/std:c++17"] }
      }
    }
  ]
}
