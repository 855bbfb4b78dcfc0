"""The exact adversarial search against the PGD attack on the same test digits.

Prints, per digit and norm, the exact distance, the attack's, the cells the search
explored and the time of each, with the search's time as a ratio of the attack's (the
reference, measured in the same run). For L-infinity it also runs the search with every
linear program solved afresh through ``linprog`` (``warm_start=False``, the path before
:mod:`engine.linf_programs`) and prints that time and the speed-up. Asserts nothing
about time.
"""

from __future__ import annotations

import time

from engine.adversarial_attack import pgd_attack
from engine.adversarial_digits import train_digits_classifier
from engine.adversarial_distance import CellBudgetExceeded, adversarial_distance
from engine.networks import network_layers

#: Cells per search: L-inf programs are LPs (a few ms each), so keep it small.
BUDGET = 500


def _timed_search(model, x0, norm: str, **options):
    start = time.perf_counter()
    try:
        exact = adversarial_distance(model, x0, norm=norm, max_cells=BUDGET, **options)
    except (CellBudgetExceeded, ArithmeticError) as error:
        return error, time.perf_counter() - start
    return exact, time.perf_counter() - start


def main() -> None:
    classifier = train_digits_classifier()
    net = network_layers(classifier.model)
    print("digit norm   exact     PGD       cells   exact s  PGD s   ratio   fresh-LP s  speed-up")
    for digit in range(6):
        x0 = classifier.test.flat[digit]
        for norm in ("l2", "linf"):
            exact, exact_s = _timed_search(classifier.model, x0, norm)
            fresh = ""
            if norm == "linf":
                _, fresh_s = _timed_search(classifier.model, x0, norm, warm_start=False)
                fresh = f"  {fresh_s:9.3f}  {fresh_s / exact_s:6.2f}x"
            if isinstance(exact, Exception):
                print(f"{digit:5d} {norm:5s}  {exact} ({exact_s:.3f} s){fresh}")
                continue
            start = time.perf_counter()
            attack = pgd_attack(classifier.model, net, x0, norm)
            attack_s = time.perf_counter() - start
            print(
                f"{digit:5d} {norm:5s} {exact.distance:.5f}  {attack.distance:.5f}  "
                f"{exact.cells_explored:6d}  {exact_s:7.3f}  {attack_s:6.3f}  "
                f"{exact_s / attack_s:5.2f}x{fresh}"
            )


if __name__ == "__main__":
    main()
