#include <cblas.h>
/* OpenBLAS extensions (declared in the cblas.h of OpenBLAS builds; repeated for other headers). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);
