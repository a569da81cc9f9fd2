"""What a loop of like-sized fits has left, said after each one: at hundreds of labels the
baseline's and the audit's fits take minutes each, and the first tells what the rest will cost."""

import time


class FitsLeft:
    """Counts `total` fits of `what`; after each, prints how many are done, the time so far and,
    while any are left, the time they will take at the mean so far (after the first, with
    `remedy`: how to pay less)."""

    def __init__(self, what: str, total: int, remedy: str = "") -> None:
        self.what, self.total, self.remedy = what, total, remedy
        self.done = 0
        self.started = time.perf_counter()

    def fitted(self, name: str) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.started
        line = f"{self.what}: {name} fitted, {self.done} of {self.total} in {elapsed:.0f} s"
        left = self.total - self.done
        if left:
            line += f"; the other {left}: about {elapsed / self.done * left / 60:.1f} min"
            if self.done == 1 and self.remedy:
                line += f" ({self.remedy})"
        print(line, flush=True)
