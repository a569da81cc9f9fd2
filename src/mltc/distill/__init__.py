"""Distillation: the shipped ensemble taught to one member (the student), which then ships alone
and serves at one model's cost: its params, the teacher's probabilities of the training texts, the
soft targets the student trains on, and the student trained, tuned and shipped."""
