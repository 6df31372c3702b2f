package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * The ring all-reduce among the tasks of a barrier stage on {@code local[4]}: every task ends with the same bits,
 * the sum of all the tasks' vectors (twice over, the ring used twice), for 1 to 4 tasks and for vectors shorter than
 * the ring, of odd lengths, and long enough to fill the sockets' buffers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RingAllReduceTest {
    private SparkSession spark;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[4]").appName("rnn4j-ring-test")
                .config("spark.ui.enabled", "false").getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    @Test
    void everyTaskGetsTheSameSum() {
        for (int tasks = 1; tasks <= 4; tasks++) {
            for (int length : new int[] {1, 2, 7, 1_000_003}) {
                List<float[]> results = sums(tasks, length);
                assertEquals(tasks, results.size());
                float[] expected = new float[length];
                for (int task = 0; task < tasks; task++) {
                    for (int i = 0; i < length; i++) {
                        expected[i] += contribution(task, i);
                    }
                }
                for (int i = 0; i < length; i++) {
                    expected[i] *= tasks; // the second round
                }
                for (float[] r : results) {
                    assertArrayEquals(results.get(0), r, 0f, "the same bits in every task");
                    assertArrayEquals(expected, r, 1e-3f, tasks + " tasks, " + length + " floats");
                }
            }
        }
    }

    @Test
    void spark_sAddressesGiveTheirHost() {
        assertEquals("10.0.0.7", RingAllReduce.hostOf("10.0.0.7:41234"));
        assertEquals("worker-3", RingAllReduce.hostOf("worker-3"));
        assertEquals("::1", RingAllReduce.hostOf("[::1]:7077"));
    }

    private static float contribution(int task, int i) {
        return (task + 1) * 0.5f + (i % 13) * 0.25f;
    }

    private List<float[]> sums(int tasks, int length) {
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            slots.add(i);
        }
        Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<float[]>> task =
                (Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<float[]>> & Serializable)
                        it -> {
                            BarrierTaskContext context = BarrierTaskContext.get();
                            float[] v = new float[length];
                            for (int i = 0; i < length; i++) {
                                v[i] = contribution(context.partitionId(), i);
                            }
                            try (RingAllReduce ring = RingAllReduce.join(context)) {
                                ring.sumInPlace(v);
                                ring.sumInPlace(v); // again, on the same ring: every task now adds the same sum
                            }
                            return CollectionConverters.asScala(List.of(v).iterator());
                        };
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(slots, tasks).rdd().barrier()
                .mapPartitions(task, false, ClassTag$.MODULE$.apply(float[].class)).toJavaRDD().collect();
    }
}
