{
  "targets": [
    {
      "target_name": "fdstore",
      "sources": ["fdstore.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "libraries": ["-lsystemd"]
    }
  ]
}
