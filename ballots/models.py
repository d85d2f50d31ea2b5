# Ballots, the frozen electorate, casting and counting arrive with the voting issues.
