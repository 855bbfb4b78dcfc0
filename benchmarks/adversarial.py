"""The exact adversarial search against the PGD attack on the same test digits.

Prints, per digit and norm, the exact distance, the attack's, the cells the search
explored and the time of each, with the search's time as a ratio of the attack's (the
reference, measured in the same run). The L2 search runs with a budget of 5,000 cells;
the L-infinity one (budget 500) hands the proof to one mixed-integer program after 100 cells
(``milp_after``, :mod:`engine.adversarial_milp`), and the benchmark also runs the cell
search alone (budget 20,000 cells) and prints its time and the ratio. Asserts nothing
about time.
"""

from __future__ import annotations

import time

from engine.adversarial_attack import pgd_attack
from engine.adversarial_digits import train_digits_classifier
from engine.adversarial_distance import CellBudgetExceeded, adversarial_distance
from engine.networks import network_layers

#: Cells per L-infinity search, and the cells after which the mixed-integer program
#: takes over (the Adversarial page's own setting).
BUDGET = 500
MILP_AFTER = 100
#: Cells per L2 search: least-distance programs are fast, and far digits need thousands.
L2_BUDGET = 5_000
#: The cell search alone, the L-infinity reference: enough for every digit shown.
CELLS_ONLY_BUDGET = 20_000


def _timed_search(model, x0, norm: str, **options):
    start = time.perf_counter()
    try:
        exact = adversarial_distance(model, x0, norm=norm, **options)
    except (CellBudgetExceeded, ArithmeticError) as error:
        return error, time.perf_counter() - start
    return exact, time.perf_counter() - start


def main() -> None:
    classifier = train_digits_classifier()
    net = network_layers(classifier.model)
    print(
        "digit norm   exact        PGD        cells  proof  exact s  PGD s   ratio"
        "   cells-only s (cells)  speed-up"
    )
    for digit in range(6):
        x0 = classifier.test.flat[digit]
        for norm in ("l2", "linf"):
            budget = BUDGET if norm == "linf" else L2_BUDGET
            exact, exact_s = _timed_search(
                classifier.model, x0, norm, max_cells=budget, milp_after=MILP_AFTER
            )
            reference = ""
            if norm == "linf":
                alone, alone_s = _timed_search(
                    classifier.model, x0, norm, max_cells=CELLS_ONLY_BUDGET
                )
                cells = "-" if isinstance(alone, Exception) else f"{alone.cells_explored:,}"
                reference = f"  {alone_s:9.3f} ({cells:>6s})  {alone_s / exact_s:6.2f}x"
            if isinstance(exact, Exception):
                print(f"{digit:5d} {norm:5s}  {exact} ({exact_s:.3f} s){reference}")
                continue
            start = time.perf_counter()
            attack = pgd_attack(classifier.model, net, x0, norm)
            attack_s = time.perf_counter() - start
            print(
                f"{digit:5d} {norm:5s} {exact.distance:.8f}  {attack.distance:.8f}  "
                f"{exact.cells_explored:5d}  {exact.proof:5s}  {exact_s:7.3f}  {attack_s:6.3f}  "
                f"{exact_s / attack_s:5.2f}x{reference}"
            )


if __name__ == "__main__":
    main()
