"""Training stylization networks: the shared training loop, the trainers that plug into it, their losses,
the VGG-19 loss network, training data, distributed set-up and the training benchmark."""
