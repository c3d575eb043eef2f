enum lr_status { LR_OK };
