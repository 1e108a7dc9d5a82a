/* bs-cli.h: blendscope-cli subcommands. Each returns the process exit status. */
#pragma once

#include <glib.h>
#include <stdint.h>

int bs_cli_info (int argc, char **argv);
int bs_cli_run (int argc, char **argv);
int bs_cli_probes (int argc, char **argv);
int bs_cli_calibrate (int argc, char **argv);

/* Prints "blendscope-cli: <message>" to stderr and returns 1. */
int bs_cli_fail (const GError *error);
/* Parses a subcommand's options; on error prints it with usage. */
gboolean bs_cli_parse (GOptionContext *context, int *argc, char ***argv);
/* "3x32x32" */
char *bs_cli_format_shape (int c, int h, int w);
/* 1234567 -> "1.23 M" */
char *bs_cli_format_count (uint64_t n);
