"""Cut a capture into two darknet slices by destination address: even last byte to one file,
odd to the other (tcpdump's filter language; IPv4 frames only, as the seed scenarios are). A
scanner that sweeps the whole darknet shows in both slices: the sources of the two overlap."""

import subprocess


def split(capture, even_out, odd_out):
    for out, expression in ((even_out, "ip[19] & 1 = 0"), (odd_out, "ip and not (ip[19] & 1 = 0)")):
        subprocess.run(["tcpdump", "-r", capture, "-w", out, expression], check=True,
                       stderr=subprocess.DEVNULL)
