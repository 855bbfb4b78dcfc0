"""The exact adversarial search against the PGD attack on the same test digits.

Prints, per digit and norm, the exact distance, the attack's, the cells the search
explored and the time of each, with the search's time as a ratio of the attack's (the
reference, measured in the same run). Asserts nothing about time.
"""

from __future__ import annotations

import time

from engine.adversarial_attack import pgd_attack
from engine.adversarial_digits import train_digits_classifier
from engine.adversarial_distance import CellBudgetExceeded, adversarial_distance
from engine.networks import network_layers

#: Cells per search: L-inf programs are LPs (about 20 ms each here), so keep it small.
BUDGET = 500


def main() -> None:
    classifier = train_digits_classifier()
    net = network_layers(classifier.model)
    print("digit norm   exact     PGD       cells   exact s  PGD s   ratio")
    for digit in range(6):
        x0 = classifier.test.flat[digit]
        for norm in ("l2", "linf"):
            start = time.perf_counter()
            try:
                exact = adversarial_distance(classifier.model, x0, norm=norm, max_cells=BUDGET)
            except (CellBudgetExceeded, ArithmeticError) as error:
                print(f"{digit:5d} {norm:5s}  {error}")
                continue
            exact_s = time.perf_counter() - start
            start = time.perf_counter()
            attack = pgd_attack(classifier.model, net, x0, norm)
            attack_s = time.perf_counter() - start
            print(
                f"{digit:5d} {norm:5s} {exact.distance:.5f}  {attack.distance:.5f}  "
                f"{exact.cells_explored:6d}  {exact_s:7.3f}  {attack_s:6.3f}  "
                f"{exact_s / attack_s:5.2f}x"
            )


if __name__ == "__main__":
    main()
