/* tool.h - the subcommands of authalign(8). */
#ifndef AA_TOOL_H
#define AA_TOOL_H

#include "aa_config.h"
#include "aa_ctx.h"

int tool_check_config(const char *path);
/* -1: unknown command or wrong arguments (usage is printed) */
int tool_run(struct aa_ctx *ctx, const struct aa_config *cfg, int argc, char **argv);

#endif
