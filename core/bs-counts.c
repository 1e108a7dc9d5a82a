#include "bs-model.h"
