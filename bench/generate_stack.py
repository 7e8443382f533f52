#!/usr/bin/env python3
"""Writes a large stack for benchmarking: N pool resources with vars, filters, references and
explicit dependencies, plus one template used many times, so that loading, resolution, the graph
and the diff all do real work. Usage: generate_stack.py N PROJECT_DIR"""
import os
import sys


def main() -> None:
    count, root = int(sys.argv[1]), sys.argv[2]
    os.makedirs(f"{root}/stacks", exist_ok=True)
    os.makedirs(f"{root}/templates", exist_ok=True)
    os.makedirs(f"{root}/environments", exist_ok=True)
    with open(f"{root}/environments/dev.yaml", "w") as f:
        f.write("name: dev\nvars:\n  team: bench\n")
    with open(f"{root}/templates/lane.yaml", "w") as f:
        f.write(
            "template: lane\nparams:\n  slots: {type: int, required: true}\n  label: {type: string, default: lane}\n"
            "resources:\n  queue:\n    type: pool\n    slots: ${param.slots}\n    description: ${param.label | upper}\n"
            "  workers:\n    type: pool\n    slots: 2\n    description: feeds ${queue}\n"
        )
    instances = count // 10  # each instance contributes 2 resources
    plain = count - instances * 2
    lines = [
        f"stack: bench-{count}",
        "vars:",
        "  team: data",
        "  prefix: ${var.team}-${env.name}",
        "resources:",
    ]
    for i in range(plain):
        lines.append(f"  p{i}:")
        lines.append("    type: pool")
        lines.append(f"    slots: {i % 9 + 1}")
        if i % 3 == 1:
            lines.append(f"    description: after ${{p{i - 1}}} for ${{var.prefix | upper}}")
        elif i % 3 == 2:
            lines.append(f"    depends_on: [p{i - 2}]")
    lines.append("use:")
    for i in range(instances):
        lines.append(f"  lane{i}: {{template: lane, with: {{slots: {i % 5 + 1}, label: lane{i}}}}}")
    with open(f"{root}/stacks/bench.yaml", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
