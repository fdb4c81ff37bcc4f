/* config_int.h - what the settings reader (config.c) and the per-domain
 * table (config_domains.c) share; not for other modules. */
#ifndef CONFIG_INT_H
#define CONFIG_INT_H

#include "aa_config.h"

/* Free the per-domain table's entries and leave cfg without any. */
void config_domains_free(struct aa_config *cfg);

#endif
