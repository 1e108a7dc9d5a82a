/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli.h: blendscope-cli subcommands. Each returns the process exit status. */
#pragma once

#include <glib.h>
#include <stdint.h>

int bs_cli_info (int argc, char **argv);
int bs_cli_run (int argc, char **argv);
int bs_cli_bench (int argc, char **argv);
int bs_cli_probes (int argc, char **argv);
int bs_cli_calibrate (int argc, char **argv);
int bs_cli_record (int argc, char **argv);
int bs_cli_sweep (int argc, char **argv);
int bs_cli_devices (int argc, char **argv);
/* What `devices` prints about this machine; the agent sends it to `devices --host`. */
char *bs_cli_devices_report (void);
int bs_cli_explore (int argc, char **argv);
int bs_cli_agent (int argc, char **argv);
/* bs-cli-sessions.c */
int bs_cli_runs (int argc, char **argv);
int bs_cli_sessions (int argc, char **argv);
int bs_cli_show (int argc, char **argv);
int bs_cli_compare (int argc, char **argv);
int bs_cli_export (int argc, char **argv);
int bs_cli_delete (int argc, char **argv);
/* bs-cli-check.c */
int bs_cli_check (int argc, char **argv);
/* bs-cli-eval.c */
int bs_cli_eval (int argc, char **argv);
/* $XDG_DATA_HOME/blendscope/blendscope.db */
char *bs_cli_default_db (void);
/* Prints a recorded run's summary (what `show` prints); returns the exit status. */
int bs_cli_print_run (const char *db_path, int64_t run);

/* Prints "blendscope-cli: <message>" to stderr and returns 1. */
int bs_cli_fail (const GError *error);
/* Parses a subcommand's options; on error prints it with usage. */
gboolean bs_cli_parse (GOptionContext *context, int *argc, char ***argv);
/* The backend spec for `batch` images in flight, one per thread (the cpu backend's
 * split=images); spec itself for batch 1. Other backends: G_IO_ERROR_NOT_SUPPORTED. */
char *bs_cli_batch_spec (const char *spec, int batch, GError **error);
/* SIGINT and SIGTERM set *stop_signal (to the signal's number, the first one only),
 * through GLib's signal sources on a context of their own that the caller polls with
 * g_main_context_iteration (context, FALSE). A signal the process inherited as ignored
 * (nohup, a background job of a non-interactive shell) stays ignored: whoever started us
 * asked for the work not to be cut by it. Unref the context to restore the defaults. */
GMainContext *bs_cli_watch_stop_signals (int *stop_signal);
/* "3x32x32" */
char *bs_cli_format_shape (int c, int h, int w);
/* 1234567 -> "1.23 M" */
char *bs_cli_format_count (uint64_t n);
