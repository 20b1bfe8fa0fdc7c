"""Mechanics shared by every family: the GAN base class and the objectives."""
