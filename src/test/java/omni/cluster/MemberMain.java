package omni.cluster;

import java.io.IOException;
import java.util.List;

/**
 * A cluster member as a process of its own, for {@link MembershipProcessTest}: joins the member given, promotes
 * itself, prints {@code started <id>} and then {@code members <count>} on every change, and leaves when its
 * standard input closes (the test's JVM ended).
 *
 * <p>Arguments: cluster name, host:port of the member to join, API URL.
 */
public final class MemberMain {
    private MemberMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: MemberMain <cluster name> <host:port to join> <api url>");
        }
        Membership membership = Membership.start(ClusterMembers.config(args[0], "l", "1.0.0", List.of(args[1]),
                args[2]));
        membership.promote();
        System.out.println("started " + membership.localMemberId());
        membership.onChange(() -> System.out.println("members " + membership.members().size()));
        while (System.in.read() >= 0) {
            // Only the end of input matters.
        }
        membership.close();
    }
}
